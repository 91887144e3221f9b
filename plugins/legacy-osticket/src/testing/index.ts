export * from './mariadb-server.js';
export * from './osticket-schema.js';
export * from './osticket-generator.js';
