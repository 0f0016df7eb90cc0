/**
 * The package rules ioBroker's repository checker cares about, checked offline. (`@iobroker/testing`'s
 * packageFiles suite downloads its schemas from the internet at run time, which tests here must never do.)
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

    it('main points at the compiled adapter that exists', () => {
        assert.equal(pkg.main, 'lib/main.js');
        assert.equal(io.common.main, pkg.main);
        assert.ok(existsSync(path.join(root, pkg.main)));
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
