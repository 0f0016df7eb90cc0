/** Constant-time comparison for credentials (never logs a value). */
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string | Buffer): Buffer {
    return createHash('sha256').update(value).digest();
}

/** Compares in time independent of where the values differ (both hashed to equal length first). */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
    return timingSafeEqual(digest(a), digest(b));
}
