"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.safeEqual = safeEqual;
exports.checkCredentials = checkCredentials;
/** Credentials check for the broker: constant-time, never logs a password. */
const node_crypto_1 = require("node:crypto");
function digest(value) {
    return (0, node_crypto_1.createHash)('sha256').update(value).digest();
}
/** Compares in time independent of where the values differ (both hashed to equal length first). */
function safeEqual(a, b) {
    return (0, node_crypto_1.timingSafeEqual)(digest(a), digest(b));
}
/** Whether a client may log in: anonymous when no user is configured, else user and password must match. */
function checkCredentials(configured, username, password) {
    if (configured.user === '') {
        return true;
    }
    // evaluate both comparisons, so timing does not reveal which one failed
    const userOk = safeEqual(username ?? '', configured.user);
    const passOk = safeEqual(password ?? Buffer.alloc(0), configured.pass);
    return userOk && passOk;
}
