/**
 * `npm run test:package` (the check-and-lint job of the GitHub workflow, and a step of `npm test`): the checks of
 * `@iobroker/testing` on package.json, io-package.json and admin/jsonConfig.json (names, versions, news, required
 * fields, both schemas).
 *
 * The harness downloads the io-package and jsonConfig schemas from GitHub. Where copies of them lie beside the
 * project (../shared, as on the development machines, which reach no outside host), those copies answer instead.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- wraps the axios instance @iobroker/testing uses, by path */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tests } from '@iobroker/testing';

const root = path.join(__dirname, '../..');
const LOCAL_SCHEMAS: Record<string, string> = {
    'https://raw.githubusercontent.com/ioBroker/ioBroker.js-controller/master/schemas/io-package.json': path.join(
        root,
        '..',
        'shared',
        'tools',
        'repochecker',
        'io-package.schema.json',
    ),
    'https://raw.githubusercontent.com/ioBroker/json-config/main/schemas/jsonConfig.json': path.join(
        root,
        '..',
        'shared',
        'schemas',
        'jsonConfig.schema.json',
    ),
};

const testingDir = path.dirname(require.resolve('@iobroker/testing/package.json'));
const axios = require(require.resolve('axios', { paths: [testingDir] })) as {
    default: { get: (url: string, ...rest: unknown[]) => Promise<{ data: unknown }> };
};
const originalGet = axios.default.get;
axios.default.get = function (url: string, ...rest: unknown[]) {
    const local = LOCAL_SCHEMAS[url];
    if (local && existsSync(local)) {
        return Promise.resolve({ data: JSON.parse(readFileSync(local, 'utf8')) as unknown });
    }
    return originalGet.call(this, url, ...rest);
};

tests.packageFiles(root);
