/**
 * What a burst of discovery configs costs the event loop: N zigbee2mqtt-style devices announce themselves (each a
 * sensor, a binary sensor and a switch config, retained, as after a broker restart), fed to DiscoveryService with an
 * in-memory store. Prints the time for the configs, the longest synchronous stretch, and the time for one value
 * afterwards. Usage: npx tsx scripts/bench/discovery.bench.ts [devices=300,1000]
 */
import { performance } from 'node:perf_hooks';
import { DiscoveryService } from '../../src/discovery/discoveryService';
import { FakeStore, memoryLogger } from '../../test/lib/fakeStore';

const counts = (process.argv[2] ?? '300,1000').split(',').map(Number);

function configs(devices: number): [string, string][] {
    const out: [string, string][] = [];
    for (let d = 0; d < devices; d++) {
        const ieee = `0x00158d0000${d.toString(16).padStart(6, '0')}`;
        const dev = { ids: [`zigbee2mqtt_${ieee}`], name: `Device ${d}`, mf: 'Xiaomi', mdl: 'WSDCGQ11LM' };
        const base = `zigbee2mqtt/Device ${d}`;
        out.push([
            `homeassistant/sensor/${ieee}/temperature/config`,
            JSON.stringify({
                name: 'Temperature',
                stat_t: base,
                val_tpl: '{{ value_json.temperature }}',
                unit_of_meas: '°C',
                dev_cla: 'temperature',
                uniq_id: `${ieee}_temperature`,
                dev,
                avty_t: 'zigbee2mqtt/bridge/state',
            }),
        ]);
        out.push([
            `homeassistant/binary_sensor/${ieee}/contact/config`,
            JSON.stringify({
                name: 'Contact',
                stat_t: base,
                val_tpl: '{{ value_json.contact }}',
                pl_on: false,
                pl_off: true,
                dev_cla: 'door',
                uniq_id: `${ieee}_contact`,
                dev,
                avty_t: 'zigbee2mqtt/bridge/state',
            }),
        ]);
        out.push([
            `homeassistant/switch/${ieee}/switch/config`,
            JSON.stringify({
                name: 'Switch',
                stat_t: base,
                cmd_t: `${base}/set`,
                val_tpl: '{{ value_json.state }}',
                pl_on: 'ON',
                pl_off: 'OFF',
                uniq_id: `${ieee}_switch`,
                dev,
                avty_t: 'zigbee2mqtt/bridge/state',
            }),
        ]);
    }
    return out;
}

async function run(devices: number): Promise<void> {
    const store = new FakeStore();
    const service = new DiscoveryService(
        { namespace: 'gw.0', prefix: 'homeassistant', keepRaw: false },
        store,
        { publish: () => undefined, subscribe: () => undefined },
        memoryLogger(),
    );
    await service.start();
    const all = configs(devices);
    let longest = 0;
    const t0 = performance.now();
    // in slices of 30 configs per turn, about what one 16 KiB read slice of a connection holds
    for (let i = 0; i < all.length; i += 30) {
        const s = performance.now();
        for (const [topic, payload] of all.slice(i, i + 30)) {
            service.onMessage(topic, Buffer.from(payload));
        }
        longest = Math.max(longest, performance.now() - s);
        await new Promise(resolve => setImmediate(resolve));
    }
    const configsMs = performance.now() - t0;
    await service.settled();
    const v0 = performance.now();
    service.onMessage(
        'zigbee2mqtt/Device 7',
        Buffer.from(JSON.stringify({ temperature: 21.5, contact: true, state: 'ON' })),
    );
    const valueMs = performance.now() - v0;
    console.log(
        `${devices} devices (${all.length} configs): configs handled in ${configsMs.toFixed(0)} ms, longest turn ` +
            `${longest.toFixed(1)} ms; one value afterwards ${valueMs.toFixed(2)} ms; ${store.objects.size} objects`,
    );
}

void (async () => {
    for (const n of counts) {
        await run(n);
    }
})();
