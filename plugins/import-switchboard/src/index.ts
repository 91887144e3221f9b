export { exportFileLines, writeExportFile } from './export-file.js';
export { importSwitchboardFile } from './import-switchboard.js';
