"use strict";
/**
 * ioBroker roles for Home Assistant device classes: sensors (`temperature` → `value.temperature`, …) and binary
 * sensors (`door` → `sensor.door`, `moisture` → `sensor.alarm.flood`, …). Pure data and lookups.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.isNumericSensor = isNumericSensor;
exports.sensorRole = sensorRole;
exports.binarySensorRole = binarySensorRole;
const SENSOR_ROLES = {
    temperature: 'value.temperature',
    humidity: 'value.humidity',
    moisture: 'value.humidity',
    power: 'value.power',
    apparent_power: 'value.power',
    reactive_power: 'value.power.reactive',
    energy: 'value.energy',
    energy_storage: 'value.energy',
    battery: 'value.battery',
    illuminance: 'value.brightness',
    voltage: 'value.voltage',
    current: 'value.current',
    pressure: 'value.pressure',
    atmospheric_pressure: 'value.pressure',
    frequency: 'value.frequency',
    distance: 'value.distance',
    speed: 'value.speed',
    wind_speed: 'value.speed.wind',
    wind_direction: 'value.direction.wind',
    carbon_dioxide: 'value.co2',
    duration: 'value.interval',
    precipitation: 'value.precipitation',
    timestamp: 'date',
    date: 'date',
};
/** Sensor device classes whose state is text, not a number. */
const TEXT_SENSOR_CLASSES = new Set(['enum', 'timestamp', 'date']);
/** Sensor device classes that are numeric even without a unit. */
const NUMERIC_SENSOR_CLASSES = new Set(Object.keys(SENSOR_ROLES).filter(c => !TEXT_SENSOR_CLASSES.has(c)));
const BINARY_SENSOR_ROLES = {
    door: 'sensor.door',
    garage_door: 'sensor.door',
    opening: 'sensor.door',
    window: 'sensor.window',
    motion: 'sensor.motion',
    occupancy: 'sensor.motion',
    presence: 'sensor.motion',
    moving: 'sensor.motion',
    moisture: 'sensor.alarm.flood',
    smoke: 'sensor.alarm.fire',
    heat: 'sensor.alarm.fire',
    gas: 'sensor.alarm',
    carbon_monoxide: 'sensor.alarm',
    safety: 'sensor.alarm',
    problem: 'sensor.alarm',
    tamper: 'sensor.alarm.secure',
    vibration: 'sensor.alarm',
    sound: 'sensor.noise',
    light: 'sensor.light',
    battery: 'indicator.lowbat',
    connectivity: 'indicator.connected',
    running: 'indicator.working',
    power: 'indicator.working',
    plug: 'indicator',
    update: 'indicator.maintenance',
};
/** Whether a sensor reports numbers: a unit, a state class or a numeric device class says so. */
function isNumericSensor(deviceClass, unit, stateClass) {
    if (deviceClass !== undefined && TEXT_SENSOR_CLASSES.has(deviceClass)) {
        return false;
    }
    return (unit !== undefined ||
        (typeof stateClass === 'string' && stateClass !== '') ||
        (deviceClass !== undefined && NUMERIC_SENSOR_CLASSES.has(deviceClass)));
}
/** Role of a sensor state. */
function sensorRole(deviceClass, numeric) {
    const role = deviceClass === undefined ? undefined : SENSOR_ROLES[deviceClass];
    if (role !== undefined && (numeric || role === 'date')) {
        return role;
    }
    return numeric ? 'value' : 'text';
}
/** Role of a binary sensor state: by device class; `sensor` for other classes, `indicator` without one. */
function binarySensorRole(deviceClass) {
    if (deviceClass === undefined) {
        return 'indicator';
    }
    return BINARY_SENSOR_ROLES[deviceClass] ?? 'sensor';
}
