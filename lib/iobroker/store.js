"use strict";
/**
 * The only door, besides main.ts, to ioBroker's objects and states. The pipelines depend on these interfaces,
 * so unit tests can use a small in-memory fake while integration tests use the real databases.
 */
Object.defineProperty(exports, "__esModule", { value: true });
