"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MirrorMode = exports.ConfigError = void 0;
exports.namedCertificates = namedCertificates;
/** What both modes share: the engine's two pipelines, how ioBroker's events reach them, certificate lookup. */
const ingest_1 = require("./ingest");
const publisher_1 = require("./publisher");
const errorText_1 = require("./errorText");
const discoveryService_1 = require("./discovery/discoveryService");
const topic_1 = require("./mapping/topic");
/** A start-up problem caused by the configuration: the glue stops the instance with this message. */
class ConfigError extends Error {
}
exports.ConfigError = ConfigError;
/**
 * PEM text of the system certificates named by options (`[option, name]`; empty names are skipped). A name that
 * does not exist is a configuration error naming its option — checked here, before js-controller's own lookup,
 * which would log an error of its own.
 */
async function namedCertificates(adapter, named) {
    const wanted = named.filter(([, name]) => name !== '');
    if (wanted.length === 0) {
        return {};
    }
    const system = await adapter.getForeignObjectAsync('system.certificates');
    const known = system?.native?.certificates ?? {};
    const missing = wanted.filter(([, name]) => !known[name]);
    if (missing.length > 0) {
        throw new ConfigError(`Invalid configuration: ${missing.map(([option, name]) => `option '${option}' names the certificate '${name}', which is not among the system certificates`).join('; ')}`);
    }
    return Object.fromEntries(wanted.map(([option, name]) => [option, known[name]]));
}
class MirrorMode {
    ingest;
    publisher;
    discovery;
    /**
     * Builds the publisher and the ingest pipeline of a mode. The ingest tells the publisher about every value it
     * writes, so a value that came from MQTT is never sent back as a second copy.
     */
    buildPipelines(settings, store, log, publish, transport) {
        const publisher = new publisher_1.Publisher({ ...settings, ...publish, excluded: id => this.discovery?.owns(id) === true }, store, transport, log);
        this.publisher = publisher;
        this.ingest = new ingest_1.Ingest(settings, store, log, { beforeWrite: (id, val) => publisher.noteFromMqtt(id, val) });
        return publisher;
    }
    /** Discovery (SPEC §12a) when the option is on: every message from MQTT goes to it first. */
    buildDiscovery(settings, store, log, link) {
        if (!settings.discovery) {
            return undefined;
        }
        this.discovery = new discoveryService_1.DiscoveryService({ namespace: settings.namespace, prefix: settings.discoveryPrefix, keepRaw: settings.discoveryKeepRaw }, store, { rawIdOf: topic => (0, topic_1.topicToId)(topic, settings)?.ownId, ...link }, log);
        return this.discovery;
    }
    /**
     * sendTo commands both modes answer alike: `createCommand {topic, type, role?}` → `{result: {id}}` or `{error}`.
     * Undefined when the command is not one of them.
     */
    async handleSharedMessage(command, message) {
        if (command !== 'createCommand') {
            return undefined;
        }
        const ingest = this.ingest;
        if (!ingest) {
            return { error: 'not started' };
        }
        const m = (typeof message === 'object' && message !== null ? message : {});
        if (typeof m.topic !== 'string' || m.topic === '') {
            return { error: "'topic' is missing: the MQTT topic the device listens to, e.g. cmnd/plug1/POWER" };
        }
        if (typeof m.type !== 'string') {
            return { error: "'type' is missing: string, number, boolean, json or mixed" };
        }
        if (m.role !== undefined && typeof m.role !== 'string') {
            return { error: "'role' must be a text, e.g. switch" };
        }
        try {
            return { result: await ingest.createCommandState(m.topic, m.type, m.role) };
        }
        catch (err) {
            return { error: (0, errorText_1.errorText)(err) };
        }
    }
    onStateChange(id, state) {
        if (this.discovery?.owns(id)) {
            this.discovery.onStateChange(id, state);
            return;
        }
        this.publisher?.onStateChange(id, state);
    }
    onObjectChange(id, obj) {
        this.ingest?.onObjectChange(id, obj);
        this.publisher?.onObjectChange(id, obj);
    }
}
exports.MirrorMode = MirrorMode;
