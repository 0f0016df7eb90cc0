"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.safeEqual = safeEqual;
/** Constant-time comparison for credentials (never logs a value). */
const node_crypto_1 = require("node:crypto");
function digest(value) {
    return (0, node_crypto_1.createHash)('sha256').update(value).digest();
}
/** Compares in time independent of where the values differ (both hashed to equal length first). */
function safeEqual(a, b) {
    return (0, node_crypto_1.timingSafeEqual)(digest(a), digest(b));
}
