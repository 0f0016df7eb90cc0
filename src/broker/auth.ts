/** Credentials check for the broker: constant-time, never logs a password. */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string | Buffer): Buffer {
    return createHash('sha256').update(value).digest();
}

/** Compares in time independent of where the values differ (both hashed to equal length first). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
    return timingSafeEqual(digest(a), digest(b));
}

export interface Credentials {
    user: string;
    pass: string;
}

/** Whether a client may log in: anonymous when no user is configured, else user and password must match. */
export function checkCredentials(
    configured: Credentials,
    username: string | undefined,
    password: Buffer | undefined,
): boolean {
    if (configured.user === '') {
        return true;
    }
    // evaluate both comparisons, so timing does not reveal which one failed
    const userOk = safeEqual(username ?? '', configured.user);
    const passOk = safeEqual(password ?? Buffer.alloc(0), configured.pass);
    return userOk && passOk;
}
