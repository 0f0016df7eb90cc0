"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MirrorMode = void 0;
class MirrorMode {
    ingest;
    publisher;
    onStateChange(id, state) {
        this.publisher?.onStateChange(id, state);
    }
    onObjectChange(id, obj) {
        this.ingest?.onObjectChange(id, obj);
        this.publisher?.onObjectChange(id, obj);
    }
}
exports.MirrorMode = MirrorMode;
