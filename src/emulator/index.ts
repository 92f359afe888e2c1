export { GitHubEmulator, type EmulatorRequest, type EmulatorResponse, type Failure, type NewPull } from './emulator.js';
export { freePort, serveEmulator } from './server.js';
export { RequestValidator } from './validate.js';
export { OPERATIONS } from './operations.js';
