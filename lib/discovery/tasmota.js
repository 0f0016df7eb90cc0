"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.TasmotaDiscovery = void 0;
const abbreviations_1 = require("./abbreviations");
const haCommon_1 = require("./haCommon");
const TOPIC = /^(.+)\/([0-9A-Fa-f]{12})\/(config|sensors)$/;
/** Role and unit of a sensor field by its name (units of `TempUnit`/`PressureUnit` applied by the caller). */
const FIELD_ROLES = {
    Temperature: { role: 'value.temperature' },
    DewPoint: { role: 'value.temperature' },
    Humidity: { role: 'value.humidity', unit: '%' },
    Pressure: { role: 'value.pressure' },
    SeaPressure: { role: 'value.pressure' },
    Power: { role: 'value.power', unit: 'W' },
    ApparentPower: { role: 'value.power', unit: 'VA' },
    ReactivePower: { role: 'value.power.reactive', unit: 'var' },
    Factor: { role: 'value' },
    Voltage: { role: 'value.voltage', unit: 'V' },
    Current: { role: 'value.current', unit: 'A' },
    Frequency: { role: 'value.frequency', unit: 'Hz' },
    Total: { role: 'value.energy', unit: 'kWh' },
    Today: { role: 'value.energy', unit: 'kWh' },
    Yesterday: { role: 'value.energy', unit: 'kWh' },
    Illuminance: { role: 'value.brightness', unit: 'lx' },
    CarbonDioxide: { role: 'value.co2', unit: 'ppm' },
    CO2: { role: 'value.co2', unit: 'ppm' },
    Distance: { role: 'value.distance', unit: 'cm' },
};
/** Keys of the reading that are not sensors. */
const NOT_SENSORS = new Set(['Time', 'TempUnit', 'PressureUnit', 'SpeedUnit']);
function strings(value) {
    return Array.isArray(value) ? value.map(v => (typeof v === 'string' ? v : null)) : [];
}
function text(config, key, fallback) {
    const value = config[key];
    return typeof value === 'string' && value !== '' ? value : fallback;
}
/** The topic of a command or status: the full topic pattern with prefix, topic, hostname and id filled in. */
function fullTopic(device, prefixIndex, command) {
    const { prefixes, full, topic, hostname } = device.topics;
    const pattern = full.endsWith('/') ? full : `${full}/`;
    return (pattern
        .replace('%prefix%', prefixes[prefixIndex])
        .replace('%topic%', topic)
        .replace('%hostname%', hostname)
        .replace('%id%', device.mac.slice(-6)) + command);
}
function parseObject(payload) {
    try {
        const value = JSON.parse(payload);
        return (0, abbreviations_1.isConfigObject)(value) ? value : undefined;
    }
    catch {
        return undefined;
    }
}
function devicePlan(device) {
    const c = device.config;
    const mac = device.mac.toUpperCase();
    const ip = text(c, 'ip', '');
    const native = {
        manufacturer: 'Tasmota',
        model: text(c, 'md', ''),
        sw_version: text(c, 'sw', ''),
        identifiers: [mac],
        connections: [['mac', mac.replace(/(..)(?!$)/g, '$1:').toLowerCase()]],
        hostname: text(c, 'hn', ''),
        ip,
    };
    if (ip !== '') {
        native.configuration_url = `http://${ip}/`;
    }
    return { key: (0, haCommon_1.sanitizeKey)(mac), name: text(c, 'dn', text(c, 'hn', mac)), native };
}
function availability(device) {
    const c = device.config;
    return {
        topics: [
            {
                topic: fullTopic(device, 2, 'LWT'),
                online: text(c, 'onln', 'Online'),
                offline: text(c, 'ofln', 'Offline'),
            },
        ],
        mode: 'latest',
    };
}
/** The friendly name of a relay (`fn`), else the device name and its number. */
function relayName(config, index) {
    return strings(config.fn)[index] ?? `${text(config, 'dn', 'Tasmota')} ${index + 1}`;
}
function relayStates(device, index, single, isLight) {
    const c = device.config;
    const [off = 'OFF', on = 'ON'] = strings(c.state).map(s => s ?? undefined);
    const power = single ? 'POWER' : `POWER${index + 1}`;
    const name = relayName(c, index);
    const states = [
        {
            key: 'state',
            common: { name, role: isLight ? 'switch.light' : 'switch', type: 'boolean', read: true, write: true },
            source: {
                topic: fullTopic(device, 1, power),
                read: p => (p === on ? true : p === off ? false : undefined),
            },
            command: {
                build: val => ({
                    topic: fullTopic(device, 0, power),
                    payload: (0, haCommon_1.isOn)(val) ? on : off,
                }),
                qos: 0,
                retain: false,
                optimistic: false,
            },
        },
    ];
    if (isLight && typeof c.lt_st === 'number' && c.lt_st >= 1) {
        states.push({
            key: 'brightness',
            common: {
                name: `${name} brightness`,
                role: 'level.dimmer',
                type: 'number',
                unit: '%',
                min: 0,
                max: 100,
                read: true,
                write: true,
            },
            source: {
                topic: fullTopic(device, 1, 'RESULT'),
                read: p => {
                    const d = parseObject(p)?.Dimmer;
                    return typeof d === 'number' ? d : undefined;
                },
            },
            command: {
                build: val => typeof val === 'number'
                    ? { topic: fullTopic(device, 0, 'Dimmer'), payload: String(Math.round(val)) }
                    : undefined,
                qos: 0,
                retain: false,
                optimistic: false,
            },
        });
    }
    return states;
}
function entity(device, key, component, name, states) {
    return {
        configTopic: device.configTopic,
        uniqueId: `${device.mac.toUpperCase()}_${key}`,
        component,
        device: devicePlan(device),
        key,
        name,
        native: { component, source: 'tasmota', mac: device.mac.toUpperCase() },
        states,
        availability: availability(device),
        warnings: [],
    };
}
function relayEntities(device, warnings) {
    const relays = Array.isArray(device.config.rl) ? device.config.rl : [];
    const single = relays.filter(r => typeof r === 'number' && r > 0).length === 1;
    const entities = [];
    relays.forEach((type, index) => {
        if (type === 1 || type === 2) {
            const name = relayName(device.config, index);
            const states = relayStates(device, index, single, type === 2);
            entities.push(entity(device, `relay_${index + 1}`, type === 2 ? 'light' : 'switch', name, states));
        }
        else if (typeof type === 'number' && type !== 0) {
            warnings.push(`${device.configTopic}: relay ${index + 1} of type ${type} (e.g. shutter) is not supported`);
        }
    });
    return entities;
}
/** Reads one field (or one element of an array field) of a sensor from a `SENSOR` message. */
function fieldReader(sensor, field, position) {
    return payload => {
        const message = parseObject(payload);
        const container = sensor === undefined ? message : message?.[sensor];
        let v = (0, abbreviations_1.isConfigObject)(container) ? container[field] : undefined;
        v = position >= 0 && Array.isArray(v) ? v[position] : v;
        return typeof v === 'number' || typeof v === 'string' ? v : undefined;
    };
}
/** `common` of a sensor field: role and unit by the field's name, temperature and pressure units from the reading. */
function fieldCommon(name, field, numeric, units) {
    const known = FIELD_ROLES[field];
    let unit = known?.unit;
    if (field === 'Temperature' || field === 'DewPoint') {
        unit = `°${text(units, 'TempUnit', 'C')}`;
    }
    else if (field === 'Pressure' || field === 'SeaPressure') {
        unit = text(units, 'PressureUnit', 'hPa');
    }
    const common = {
        name,
        role: numeric ? (known?.role ?? 'value') : 'text',
        type: numeric ? 'number' : 'string',
        read: true,
        write: false,
    };
    if (unit !== undefined && numeric) {
        common.unit = unit;
    }
    return common;
}
/** One state per numeric (or text) field of a sensor, reading `tele/<t>/SENSOR`; arrays give one per element. */
function sensorStates(device, sensor, fields, units) {
    const topic = fullTopic(device, 2, 'SENSOR');
    const states = [];
    for (const [field, value] of Object.entries(fields)) {
        const values = Array.isArray(value)
            ? value.map((v, i) => [`${field}${i + 1}`, v, i])
            : [[field, value, -1]];
        for (const [label, sample, position] of values) {
            if (typeof sample === 'number' || typeof sample === 'string') {
                const name = sensor === undefined ? label : `${sensor} ${label}`;
                states.push({
                    key: (0, haCommon_1.sanitizeKey)(label),
                    common: fieldCommon(name, field, typeof sample === 'number', units),
                    source: { topic, read: fieldReader(sensor, field, position) },
                });
            }
        }
    }
    return states;
}
function sensorEntities(device, reading) {
    const entities = [];
    const loose = {};
    for (const [name, value] of Object.entries(reading)) {
        if (NOT_SENSORS.has(name)) {
            continue;
        }
        if ((0, abbreviations_1.isConfigObject)(value)) {
            const states = sensorStates(device, name, value, reading);
            if (states.length > 0) {
                entities.push(entity(device, `sensor_${(0, haCommon_1.sanitizeKey)(name)}`, 'sensor', name, states));
            }
        }
        else {
            loose[name] = value;
        }
    }
    const states = sensorStates(device, undefined, loose, reading);
    if (states.length > 0) {
        entities.push(entity(device, 'sensor', 'sensor', 'Sensors', states));
    }
    return entities;
}
function deviceOf(mac, configTopic, config) {
    const prefixes = strings(config.tp);
    return {
        mac,
        configTopic,
        config,
        topics: {
            prefixes: [prefixes[0] ?? 'cmnd', prefixes[1] ?? 'stat', prefixes[2] ?? 'tele'],
            full: text(config, 'ft', '%prefix%/%topic%/'),
            topic: text(config, 't', `tasmota_${mac.slice(-6)}`),
            hostname: text(config, 'hn', ''),
        },
    };
}
/** Remembers the last config and sensor reading per MAC and turns them into the device's entities. */
class TasmotaDiscovery {
    prefix;
    configs = new Map();
    readings = new Map();
    /** @param prefix the discovery prefix, `tasmota/discovery` unless changed on the devices */
    constructor(prefix = 'tasmota/discovery') {
        this.prefix = prefix;
    }
    /**
     * What a message means: the device's entities, `remove` for an empty config, `invalid` for broken JSON;
     * undefined when the topic is not Tasmota discovery, or for a sensor reading of a device whose config is
     * not known yet (kept for when it comes).
     */
    handle(topic, payload) {
        const match = TOPIC.exec(topic);
        if (match === null || match[1] !== this.prefix) {
            return undefined;
        }
        const mac = match[2].toUpperCase();
        const configTopic = `${this.prefix}/${match[2]}/config`;
        const empty = payload.trim() === '';
        const parsed = empty ? undefined : parseObject(payload);
        if (!empty && parsed === undefined) {
            return {
                kind: 'invalid',
                configTopic,
                warning: `${topic}: the Tasmota discovery message is not a JSON object`,
            };
        }
        if (match[3] === 'config') {
            if (parsed === undefined) {
                this.configs.delete(mac);
                this.readings.delete(mac);
                return { kind: 'remove', configTopic };
            }
            this.configs.set(mac, parsed);
        }
        else if (parsed === undefined || !(0, abbreviations_1.isConfigObject)(parsed.sn)) {
            this.readings.delete(mac);
        }
        else {
            this.readings.set(mac, parsed.sn);
        }
        const config = this.configs.get(mac);
        return config === undefined ? undefined : this.entities(mac, configTopic, config);
    }
    entities(mac, configTopic, config) {
        const device = deviceOf(mac, configTopic, config);
        const warnings = [];
        const entities = [...relayEntities(device, warnings), ...sensorEntities(device, this.readings.get(mac) ?? {})];
        return { kind: 'entities', configTopic, entities, warnings };
    }
}
exports.TasmotaDiscovery = TasmotaDiscovery;
