"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.errorText = errorText;
/** The message of anything thrown, for a log line or an answer. */
function errorText(err) {
    return err instanceof Error ? err.message : String(err);
}
