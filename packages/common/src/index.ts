export { consoleLogger, silentLogger, type Logger } from './logger.js';
export { PeriodicTasks } from './periodic-tasks.js';
export { parseProperties, propertiesText, settingsUpdate, typedSettings, updatePropertiesText } from './properties.js';
export { tryEach, type Step } from './try-each.js';
export { DEFAULT_DELAY_LEVELS, parseDelayLevels } from './delay-levels.js';
export { StatsItems, type StatsData, type StatsSource, type StatsWindow } from './stats-items.js';
