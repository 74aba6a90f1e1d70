// What users of the NameServer need: the controller and its settings. Its route and KV tables
// and processors stay inside.
export { defaultNamesrvConfig, type NamesrvConfig } from './namesrv-config.js';
export { NamesrvController, type NamesrvControllerOptions } from './namesrv-controller.js';
