"use strict";
/**
 * What a discovery message means for ioBroker, as plain data: the pure part of discovery (`src/discovery/`, no I/O,
 * lint-fenced like `mapping/`) turns Home Assistant and Tasmota discovery messages into these plans; the runtime
 * (`discoveryService.ts`) creates the objects, routes device messages to states and state writes to devices.
 */
Object.defineProperty(exports, "__esModule", { value: true });
