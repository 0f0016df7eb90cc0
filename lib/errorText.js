"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ConfigError = void 0;
exports.errorText = errorText;
/** The message of anything thrown, for a log line or an answer. */
function errorText(err) {
    return err instanceof Error ? err.message : String(err);
}
/** A start-up problem caused by the configuration: main.ts stops the instance with this message. */
class ConfigError extends Error {
}
exports.ConfigError = ConfigError;
