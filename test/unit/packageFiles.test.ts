/**
 * The package rules ioBroker's repository checker cares about, checked offline. (`@iobroker/testing`'s
 * packageFiles suite, `npm run test:package`, needs the io-package and jsonConfig schemas: it downloads them unless
 * copies lie in ../shared — see test/package/package.test.ts.)
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, any>;
const io = JSON.parse(readFileSync(path.join(root, 'io-package.json'), 'utf8')) as Record<string, any>;
const LANGUAGES = ['en', 'de', 'ru', 'pt', 'nl', 'fr', 'it', 'es', 'pl', 'uk', 'zh-cn'];

describe('package.json and io-package.json', () => {
    it('agree on name and version', () => {
        assert.equal(pkg.name, `iobroker.${io.common.name}`);
        assert.equal(pkg.version, io.common.version);
        assert.ok(io.common.news[io.common.version], 'news for the current version');
    });

    it('main points at the compiled adapter that exists (package.json only: common.main is deprecated)', () => {
        assert.equal(pkg.main, 'lib/main.js');
        assert.equal(io.common.main, undefined);
        assert.ok(existsSync(path.join(root, pkg.main)));
    });

    it('meets the repository checker: Node >= 22, repository, e-mail, extIcon, admin >= 7.6.20, no subscribe', () => {
        assert.equal(pkg.engines.node, '>=22');
        assert.match(pkg.repository.url, /github\.com\/.+\/ioBroker\.mqtt-gateway\.git$/);
        assert.match(pkg.author.email, /^[^\s@]+@[^\s@]+\.[a-z]{2,}$/i);
        assert.match(io.common.authors[0], /<[^\s@]+@[^\s@]+\.[a-z]{2,}>$/i);
        assert.match(io.common.extIcon, /^https:\/\/raw\.githubusercontent\.com\/.+\/admin\/mqtt-gateway\.svg$/);
        assert.equal(io.common.extIcon.split('/').pop(), io.common.icon);
        assert.deepEqual(io.common.globalDependencies, [{ admin: '>=7.6.20' }]);
        assert.equal(io.common.subscribe, undefined, 'deprecated; messages arrive through common.messagebox');
        assert.doesNotMatch(pkg.devDependencies['@iobroker/testing'], /^\d/, 'not pinned');
    });

    it('packs lib, admin, io-package.json, LICENSE and README.md', () => {
        for (const entry of ['lib/', 'admin/', 'io-package.json', 'LICENSE', 'README.md']) {
            assert.ok(pkg.files.includes(entry), entry);
            assert.ok(existsSync(path.join(root, entry)), `${entry} exists`);
        }
    });

    it('has the required common properties', () => {
        const c = io.common;
        assert.equal(c.mode, 'daemon');
        assert.equal(c.type, 'protocols');
        assert.equal(c.connectionType, 'local');
        assert.equal(c.dataSource, 'push');
        assert.equal(c.adminUI.config, 'json');
        assert.equal(c.messagebox, true);
        assert.equal(c.compact, true);
        assert.ok([1, 2, 3].includes(c.tier));
        assert.equal(c.licenseInformation.license, pkg.license);
        assert.equal(c.license, undefined, 'license lives in licenseInformation');
        assert.ok(Array.isArray(c.authors) && c.authors.length > 0);
        assert.ok(existsSync(path.join(root, 'admin', c.icon)), 'icon exists');
        assert.ok(existsSync(path.join(root, 'admin', 'jsonConfig.json')), 'admin/jsonConfig.json exists');
        const controllerDependency = c.dependencies.find((d: Record<string, string>) => d['js-controller']);
        assert.match(controllerDependency['js-controller'], /^>=6\./);
    });

    it('has titles, descriptions and news in all 11 languages', () => {
        for (const lang of LANGUAGES) {
            assert.ok(io.common.titleLang[lang], `titleLang.${lang}`);
            assert.ok(io.common.desc[lang], `desc.${lang}`);
            assert.ok(io.common.news[io.common.version][lang], `news.${lang}`);
            assert.ok(
                !/iobroker|adapter/i.test(io.common.titleLang[lang]),
                `titleLang.${lang} avoids "adapter"/"ioBroker"`,
            );
        }
    });

    it('keeps the password encrypted and protected', () => {
        assert.deepEqual(io.encryptedNative, ['pass']);
        assert.deepEqual(io.protectedNative, ['pass']);
    });

    it('declares info.connection as a boolean indicator', () => {
        const connection = io.instanceObjects.find((o: { _id: string }) => o._id === 'info.connection');
        assert.equal(connection.common.type, 'boolean');
        assert.equal(connection.common.role, 'indicator.connected');
    });

    it('does not depend on npm or js-controller, and has no prepare script', () => {
        assert.equal(pkg.dependencies.npm, undefined);
        assert.equal(pkg.dependencies['iobroker.js-controller'], undefined);
        assert.equal(pkg.scripts.prepare, undefined);
        assert.ok(pkg.dependencies['@iobroker/adapter-core']);
    });
});
