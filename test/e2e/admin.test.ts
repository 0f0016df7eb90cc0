/**
 * The configuration page in the real admin (7.8.20) of a real js-controller host, driven in Debian's headless
 * Chromium by playwright-core: every tab renders with its fields, server ↔ client switches the fields, invalid input
 * is refused in the form, saved values land in the instance's `native` (and the restarted instance uses them), and
 * the page speaks the system language. Screenshots of every tab go to test-output/e2e/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DevHost } from '../lib/devHost';
import { TestClient } from '../lib/mqttClient';
import { skipWithReason } from '../lib/tools';
import { until } from '../lib/wait';

const root = path.join(__dirname, '../..');
const shots = path.join(root, 'test-output', 'e2e');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(p => existsSync(p));
const INSTANCE = 'system.adapter.mqtt-gateway.0';
const MQTT_PORT = 26883; // below the ephemeral port range (32768+), so no client socket can hold it

/** Labels each tab must show in server mode (a sample of every kind of control on the tab). */
const SERVER_TABS: Record<string, string[]> = {
    Connection: ['Mode', 'Listen address', 'Port', 'TLS (SSL)', 'WebSocket', 'User', 'Password', 'Password (repeat)'],
    Server: [
        'Sessions',
        'Keep offline sessions (min)',
        'Queued messages per offline session',
        'Max. clients',
        'Max. payload (bytes)',
        'Send current values on subscribe',
    ],
    MQTT: [
        'Publish states (mask)',
        'Writable foreign states (mask)',
        'Topic prefix',
        'QoS',
        'Only changes',
        'Publish statuses too',
        'Max. topic length',
        'Ignored topics',
        'JSON topics',
    ],
    Devices: ['Build devices from discovery', 'Discovery prefix', "Also mirror the devices' topics as raw states"],
    Accounts: ['Broker accounts (per-user topic rights; %u = user name, %c = client id)'],
};
const CLIENT_TABS: Record<string, string[]> = {
    Connection: ['Mode', 'Broker host or URL', 'Port', 'MQTT version', 'Keepalive (s)', 'Persistent session'],
    Client: ['Subscribe to', 'Status topic (will/birth)', 'Publish with retain flag', 'No echo for (ms)'],
    MQTT: ['Publish states (mask)', 'Topic prefix'],
    Devices: ['Build devices from discovery', 'Discovery prefix', "Also mirror the devices' topics as raw states"],
};

describe('admin UI: the configuration page in the real admin, in headless Chromium', function () {
    this.timeout(120000);
    let host: DevHost | undefined;
    let browser: Browser | undefined;
    let page: Page;

    before(async function () {
        if (!CHROMIUM) {
            skipWithReason(
                this,
                'Chromium is not installed (Debian: apt-get install -y chromium); .ci/run installs it',
            );
        }
        // first run installs js-controller and admin into .e2e-host (about 1.5 min); later runs start in ~15 s
        this.timeout(600000);
        mkdirSync(shots, { recursive: true });
        host = new DevHost({
            dir: path.join(root, '.e2e-host'),
            objectsPort: 26001,
            statesPort: 26000,
            adminPort: 28181,
            mqttPort: MQTT_PORT,
            timeoutMs: 540000,
        });
        await host.start();
        await host.cli('object', 'set', 'system.config', 'common.language=en');
        browser = await chromium.launch({
            executablePath: CHROMIUM,
            headless: true,
            args: [
                '--no-sandbox',
                '--disable-gpu',
                '--disable-quic',
                '--no-first-run',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
                // nothing outside this machine: every name but the loopback ones fails to resolve
                '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
            ],
        });
    });

    after(async function () {
        this.timeout(60000);
        await browser?.close();
        await host?.stop();
    });

    // a fresh browser context per test: no unsaved form (and its "leave the page?" prompt) carries over
    beforeEach(async () => {
        const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 } });
        page = await context.newPage();
    });

    afterEach(async () => {
        await page.context().close();
    });

    /** The host's log of today (js-controller and adapters), as written so far. */
    function hostLog(): string {
        const dir = path.join(host!.options.dir, 'log');
        const file = readdirSync(dir)
            .filter(f => /^iobroker\.\d{4}-\d\d-\d\d\.log$/.test(f))
            .sort()
            .pop();
        return file ? readFileSync(path.join(dir, file), 'utf8') : '';
    }

    async function openSettings(): Promise<void> {
        await page.goto(`${host!.adminUrl}/#tab-instances/config/${INSTANCE}`);
        await page.getByRole('tab', { name: 'Connection' }).waitFor({ timeout: 60000 });
    }

    async function tabNames(): Promise<string[]> {
        return (await page.getByRole('tab').allInnerTexts()).map(t => t.trim().toLowerCase());
    }

    async function expectLabels(labels: string[], where: string): Promise<void> {
        for (const label of labels) {
            const visible = page.getByText(label, { exact: true }).filter({ visible: true }).first();
            await visible.waitFor({ timeout: 10000 }).catch(() => assert.fail(`'${label}' is not shown on ${where}`));
        }
    }

    async function chooseMode(mode: 'Server (embedded broker)' | 'Client (connect to a broker)'): Promise<void> {
        await page.getByRole('tab', { name: 'Connection' }).click();
        await page.getByRole('combobox').first().click();
        await page.getByRole('option', { name: mode }).click();
    }

    /** Opens each tab, waits for each of its labels, and saves a screenshot of it as <mode>-<tab>.png. */
    async function checkTabs(tabs: Record<string, string[]>, mode: 'server' | 'client'): Promise<void> {
        for (const [tab, labels] of Object.entries(tabs)) {
            await page.getByRole('tab', { name: tab }).click();
            await expectLabels(labels, `tab ${tab} (${mode} mode)`);
            await page.screenshot({ path: path.join(shots, `${mode}-${tab.toLowerCase()}.png`), fullPage: true });
        }
    }

    it('renders every tab of server mode with its fields (screenshot per tab)', async () => {
        await openSettings();
        assert.deepEqual(await tabNames(), ['connection', 'server', 'mqtt', 'devices', 'accounts']);
        await checkTabs(SERVER_TABS, 'server');
        // the client-only fields are not there
        await page.getByRole('tab', { name: 'Connection' }).click();
        assert.equal(await page.getByText('Broker host or URL', { exact: true }).count(), 0);
    });

    it('on a phone the fields take the whole width, one under the other', async () => {
        // open at desktop size (on a phone admin folds the tabs into a menu), then narrow the window
        await openSettings();
        await page.setViewportSize({ width: 390, height: 844 });
        const port = page.getByLabel('Port', { exact: true });
        const bind = page.getByLabel('Listen address', { exact: true });
        let layout = '';
        await until(
            async () => {
                const portBox = await port.boundingBox();
                const bindBox = await bind.boundingBox();
                if (!portBox || !bindBox) {
                    return false;
                }
                layout = `port ${portBox.width}px wide at y=${portBox.y}, address ends at y=${bindBox.y + bindBox.height}`;
                // full width (not the md:2 column) and below the address, not beside it
                return portBox.width > 390 * 0.6 && portBox.y > bindBox.y + bindBox.height;
            },
            10000,
            'the phone layout',
        ).catch(() => assert.fail(`not laid out for a phone: ${layout}`));
        await page.screenshot({ path: path.join(shots, 'phone-connection.png'), fullPage: true });
    });

    it('on a phone every input field of every tab takes the whole width (xs: 12)', async function () {
        this.timeout(240000);
        for (const [mode, tabs] of [
            ['server', Object.keys(SERVER_TABS)],
            ['client', Object.keys(CLIENT_TABS)],
        ] as const) {
            for (const tab of tabs) {
                // a fresh page per tab, the tab chosen at desktop size (on a phone admin folds the tabs into a menu
                // and may open its navigation drawer over the page), then the window narrowed to a phone's
                await page.context().close();
                page = await (await browser!.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
                await openSettings();
                if (mode === 'client') {
                    await chooseMode('Client (connect to a broker)');
                }
                await page.getByRole('tab', { name: tab }).click();
                await expectLabels((mode === 'server' ? SERVER_TABS : CLIENT_TABS)[tab] ?? [], `tab ${tab}`);
                await page.setViewportSize({ width: 390, height: 844 });
                const fields = page.locator('input[type="text"], input[type="number"], input[type="password"]');
                let narrow: string[] = [];
                await until(
                    async () => {
                        narrow = [];
                        let measured = 0;
                        // admin's password control (repeat: true) draws the password and its repetition side by side
                        // in its one grid item: those two are measured together, from the left of one to the right
                        // of the other
                        const passwordRows = new Map<number, { left: number; right: number }>();
                        for (const field of await fields.all()) {
                            const box = await field.boundingBox();
                            if (!box || box.width === 0) {
                                continue; // hidden in this mode
                            }
                            measured++;
                            if ((await field.getAttribute('type')) === 'password') {
                                const row = passwordRows.get(Math.round(box.y)) ?? { left: box.x, right: box.x };
                                row.left = Math.min(row.left, box.x);
                                row.right = Math.max(row.right, box.x + box.width);
                                passwordRows.set(Math.round(box.y), row);
                            } else if (box.width < 390 * 0.6) {
                                const label = (await field.getAttribute('id')) ?? '?';
                                narrow.push(`${label}: ${Math.round(box.width)}px`);
                            }
                        }
                        for (const [y, row] of passwordRows) {
                            if (row.right - row.left < 390 * 0.6) {
                                narrow.push(`password at y=${y}: ${Math.round(row.right - row.left)}px`);
                            }
                        }
                        // Accounts holds only the (empty) table of accounts: no input fields to measure
                        return (measured > 0 || tab === 'Accounts') && narrow.length === 0;
                    },
                    10000,
                    `the phone layout of tab ${tab} (${mode} mode)`,
                ).catch(() =>
                    assert.fail(`tab ${tab} (${mode} mode) has narrow fields on a phone: ${narrow.join(', ')}`),
                );
                await page.screenshot({
                    path: path.join(shots, `phone-${mode}-${tab.toLowerCase()}.png`),
                    fullPage: true,
                });
            }
        }
    });

    it('switching server → client shows the client fields and hides the server ones, and back', async () => {
        await openSettings();
        await chooseMode('Client (connect to a broker)');
        await page.getByText('Broker host or URL', { exact: true }).waitFor({ timeout: 10000 });
        assert.deepEqual(await tabNames(), ['connection', 'client', 'mqtt', 'devices']);
        assert.equal(await page.getByText('Listen address', { exact: true }).count(), 0);
        await checkTabs(CLIENT_TABS, 'client');
        assert.equal(await page.getByText('Test connection', { exact: true }).count(), 0, 'button only on Connection');
        await page.getByRole('tab', { name: 'Connection' }).click();
        assert.equal(await page.getByRole('button', { name: 'Test connection' }).count(), 1);

        await chooseMode('Server (embedded broker)');
        await page.getByText('Listen address', { exact: true }).waitFor({ timeout: 10000 });
        assert.equal(await page.getByText('Broker host or URL', { exact: true }).count(), 0);
        assert.deepEqual(await tabNames(), ['connection', 'server', 'mqtt', 'devices', 'accounts']);
    });

    it('an invalid port, address or topic filter is marked and cannot be saved', async () => {
        await openSettings();
        const save = page.getByRole('button', { name: 'Save', exact: true });
        const port = page.getByLabel('Port', { exact: true });

        await port.fill('70000');
        await until(async () => (await port.getAttribute('aria-invalid')) === 'true', 5000, 'port marked invalid');
        await until(() => save.isDisabled(), 5000, 'save disabled');
        await page.screenshot({ path: path.join(shots, 'invalid-port.png'), fullPage: true });

        await port.fill('1884');
        await until(async () => (await port.getAttribute('aria-invalid')) !== 'true', 5000, 'port valid again');
        await until(() => save.isEnabled(), 5000, 'save enabled again');

        const bind = page.getByLabel('Listen address', { exact: true });
        await bind.fill('not an address!');
        // admin shows the field in red with its help text in red (the help explains what is expected)
        await until(async () => (await bind.getAttribute('aria-invalid')) === 'true', 5000, 'address marked invalid');
        await until(() => save.isDisabled(), 5000, 'save disabled for the address');
        await bind.fill('127.0.0.1');
        await until(() => save.isEnabled(), 5000, 'save enabled again');

        await page.getByRole('tab', { name: 'MQTT' }).click();
        const mask = page.getByLabel('Ignored topics', { exact: true });
        await mask.fill('a/#/b');
        await until(async () => (await mask.getAttribute('aria-invalid')) === 'true', 5000, 'filter marked invalid');
        await until(() => save.isDisabled(), 5000, 'save disabled for a bad filter');
        await page.screenshot({ path: path.join(shots, 'invalid-filter.png'), fullPage: true });
        await mask.fill('');
        await until(() => save.isEnabled(), 5000, 'save enabled again');

        // nothing of this was saved
        const native = (await host!.getObject(INSTANCE)).native;
        assert.equal(native.port, MQTT_PORT);
        assert.equal(native.bind, '127.0.0.1');
    });

    it('saves valid values into the instance native, and the restarted instance uses them', async () => {
        await openSettings();
        const newPort = MQTT_PORT + 1;
        const prefix = `e2e${Date.now()}/`;
        await page.getByLabel('Port', { exact: true }).fill(String(newPort));
        await page.getByRole('tab', { name: 'MQTT' }).click();
        await page.getByLabel('Topic prefix', { exact: true }).fill(prefix);
        await page.getByLabel('Max. topic length', { exact: true }).fill('120');
        // QoS: whatever it is now, choose the next one
        const qosLabels = ['0 – at most once', '1 – at least once', '2 – exactly once'];
        const before = (await host!.getObject(INSTANCE)).native;
        const newQoS = (Number(before.defaultQoS) + 1) % 3;
        await page
            .getByRole('combobox')
            .filter({ hasText: qosLabels[Number(before.defaultQoS)] })
            .click();
        await page.getByRole('option', { name: qosLabels[newQoS] }).click();
        await page.getByRole('tab', { name: 'Server' }).click();
        const maxClients = 100 + (Date.now() % 900);
        await page.getByLabel('Max. clients', { exact: true }).fill(String(maxClients));
        const logBefore = hostLog().length;
        await page.getByRole('button', { name: 'Save', exact: true }).click();

        await until(
            async () => (await host!.getObject(INSTANCE)).native.prefix === prefix,
            20000,
            'native.prefix saved',
        );
        const native = (await host!.getObject(INSTANCE)).native;
        assert.equal(native.port, newPort);
        assert.equal(native.prefix, prefix);
        assert.equal(native.maxTopicLength, 120);
        assert.equal(native.defaultQoS, newQoS);
        assert.equal(native.maxClients, maxClients);
        assert.equal(native.type, 'server');
        assert.equal(native.bind, '127.0.0.1');

        // the instance restarted with the saved settings: its broker answers on the new port, with the new prefix
        let client: TestClient | undefined;
        await until(
            async () => {
                client = await TestClient.connect(newPort).catch(() => undefined);
                return client !== undefined;
            },
            60000,
            `mqtt-gateway.0 listening on ${newPort}`,
        );
        try {
            await client!.publish(`${prefix}e2e/value`, '42', { qos: 1 });
            await until(
                async () => (await host!.cli('state', 'get', 'mqtt-gateway.0.e2e.value')).includes('42'),
                20000,
                'the prefix is stripped: mqtt-gateway.0.e2e.value = 42',
            );
        } finally {
            await client!.end();
        }
        // the save restarted the instance: it stopped by itself, in time, not killed by the controller
        const restartLog = hostLog().slice(logBefore);
        assert.match(restartLog, /stopInstance system\.adapter\.mqtt-gateway\.0/);
        const killed = restartLog
            .split('\n')
            .filter(l => l.includes('mqtt-gateway.0') && /killing pid|SIGKILL|stopInstance timeout/.test(l));
        assert.deepEqual(killed, []);
    });

    it('speaks the system language (German)', async () => {
        await host!.cli('object', 'set', 'system.config', 'common.language=de');
        try {
            await page.goto(`${host!.adminUrl}/#tab-instances/config/${INSTANCE}`);
            await page.getByRole('tab', { name: 'Verbindung' }).waitFor({ timeout: 60000 });
            await expectLabels(['Modus', 'Empfangsadresse', 'Benutzer'], 'the German page');
            await page
                .getByText('Adresse dieses Hosts, auf der der Broker lauscht', { exact: false })
                .first()
                .waitFor({ timeout: 5000 });
            await page.screenshot({ path: path.join(shots, 'server-connection-de.png'), fullPage: true });
        } finally {
            await host!.cli('object', 'set', 'system.config', 'common.language=en');
        }
    });
});
