"use strict";
/**
 * Colour conversions for lights: the ioBroker colour state is one `#rrggbb` text whatever the device speaks, so
 * RGB, CIE xy (sRGB primaries, D65) and hue/saturation are converted both ways. Pure math.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.rgbToHex = rgbToHex;
exports.hexToRgb = hexToRgb;
exports.rgbToXy = rgbToXy;
exports.xyToRgb = xyToRgb;
exports.rgbToHs = rgbToHs;
exports.hsToRgb = hsToRgb;
exports.colorObjectToRgb = colorObjectToRgb;
exports.listToRgb = listToRgb;
function clampByte(v) {
    return Math.min(255, Math.max(0, Math.round(v)));
}
function round(value, decimals) {
    const f = 10 ** decimals;
    return Math.round(value * f) / f;
}
/** `#rrggbb`, lower case. */
function rgbToHex({ r, g, b }) {
    return `#${[r, g, b].map(v => clampByte(v).toString(16).padStart(2, '0')).join('')}`;
}
/** `#rrggbb`, `rrggbb` or `#rgb` → RGB; undefined for anything else. */
function hexToRgb(text) {
    let hex = text.trim().replace(/^#/, '');
    if (/^[0-9a-f]{3}$/i.test(hex)) {
        hex = hex.replace(/./g, c => c + c);
    }
    if (!/^[0-9a-f]{6}$/i.test(hex)) {
        return undefined;
    }
    const n = parseInt(hex, 16);
    return { r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}
function toLinear(c) {
    const v = c / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}
function fromLinear(v) {
    return v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055;
}
/** CIE xy (4 decimals) of an RGB colour; black gives 0,0. */
function rgbToXy({ r, g, b }) {
    const [lr, lg, lb] = [toLinear(r), toLinear(g), toLinear(b)];
    const X = 0.4124 * lr + 0.3576 * lg + 0.1805 * lb;
    const Y = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
    const Z = 0.0193 * lr + 0.1192 * lg + 0.9505 * lb;
    const sum = X + Y + Z;
    return sum === 0 ? { x: 0, y: 0 } : { x: round(X / sum, 4), y: round(Y / sum, 4) };
}
/** The full-brightness RGB colour of a CIE xy point (out-of-gamut parts clipped). */
function xyToRgb(x, y) {
    if (y <= 0) {
        return { r: 0, g: 0, b: 0 };
    }
    const X = x / y;
    const Z = (1 - x - y) / y;
    const linear = [
        3.2406 * X - 1.5372 - 0.4986 * Z,
        -0.9689 * X + 1.8758 + 0.0415 * Z,
        0.0557 * X - 0.204 + 1.057 * Z,
    ].map(v => Math.max(0, v));
    const max = Math.max(...linear);
    const [r, g, b] = linear.map(v => clampByte(fromLinear(max > 0 ? v / max : 0) * 255));
    return { r: r, g: g, b: b };
}
/** Hue (0–360) and saturation (0–100) of an RGB colour, 2 decimals. */
function rgbToHs({ r, g, b }) {
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const delta = max - min;
    const s = max === 0 ? 0 : (delta / max) * 100;
    let h = 0;
    if (delta > 0) {
        if (max === r) {
            h = ((g - b) / delta) % 6;
        }
        else if (max === g) {
            h = (b - r) / delta + 2;
        }
        else {
            h = (r - g) / delta + 4;
        }
        h = (h * 60 + 360) % 360;
    }
    return { h: round(h, 2), s: round(s, 2) };
}
/** The full-brightness RGB colour of a hue (0–360) and saturation (0–100). */
function hsToRgb(h, s) {
    const sat = Math.min(100, Math.max(0, s)) / 100;
    const hue = (((h % 360) + 360) % 360) / 60;
    const c = sat;
    const x = c * (1 - Math.abs((hue % 2) - 1));
    const m = 1 - c;
    const sector = Math.floor(hue);
    const table = [
        [c, x, 0],
        [x, c, 0],
        [0, c, x],
        [0, x, c],
        [x, 0, c],
        [c, 0, x],
    ];
    const [r, g, b] = table[sector] ?? [c, x, 0];
    return { r: clampByte((r + m) * 255), g: clampByte((g + m) * 255), b: clampByte((b + m) * 255) };
}
/** A colour from a parsed JSON `color` object: `{r,g,b}`, `{x,y}` or `{h,s}`. */
function colorObjectToRgb(color) {
    const n = (key) => (typeof color[key] === 'number' ? color[key] : undefined);
    const [r, g, b, x, y, h, s] = ['r', 'g', 'b', 'x', 'y', 'h', 's'].map(n);
    if (r !== undefined && g !== undefined && b !== undefined) {
        return { r: clampByte(r), g: clampByte(g), b: clampByte(b) };
    }
    if (x !== undefined && y !== undefined) {
        return xyToRgb(x, y);
    }
    if (h !== undefined && s !== undefined) {
        return hsToRgb(h, s);
    }
    return undefined;
}
/** A colour from comma-separated text: `r,g,b`, `x,y` or `h,s` as `kind` says. */
function listToRgb(text, kind) {
    const parts = text.split(',').map(p => Number(p.trim()));
    if (parts.some(p => !Number.isFinite(p)) || parts.length !== (kind === 'rgb' ? 3 : 2)) {
        return undefined;
    }
    const [a, b, c] = parts;
    return kind === 'rgb'
        ? { r: clampByte(a), g: clampByte(b), b: clampByte(c) }
        : kind === 'xy'
            ? xyToRgb(a, b)
            : hsToRgb(a, b);
}
