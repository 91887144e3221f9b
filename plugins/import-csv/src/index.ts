import { importCsvPlugin } from './import-csv.plugin.js';

export default importCsvPlugin;
export { csvConfigSchema, type CsvConfig } from './import-csv.plugin.js';
export { csvMappingSchema, type CsvMapping } from './csv-mapping.js';
export { CsvFileSource } from './csv-legacy-source.js';
export { loadCsvExport, loadCsvMapping } from './csv-export.js';
