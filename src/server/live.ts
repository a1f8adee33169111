// Hot-path copies of config values, updated by config listeners, so the dispatcher reads plain fields.
export const liveConfig = {
  slowlogSlowerThan: 10000,
  slowlogMaxLen: 128,
  latencyThresholdMs: 0,
  enableDebugCommand: 'no' as 'no' | 'yes' | 'local',
};
