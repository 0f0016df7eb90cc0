import assert from 'node:assert/strict';
import {
    CLIENT_LIST_MAX_CHARS,
    clientIdToLevel,
    clientListText,
    MAX_CLIENT_LEVEL,
} from '../../src/iobroker/clientObjects';

describe('clientIdToLevel (client id → object id level)', () => {
    const rows: { input: string; expected: string }[] = [
        { input: 'kitchen.esp 1', expected: 'kitchen_esp_1' },
        { input: '', expected: '_' },
        { input: 'a*b', expected: 'a_b' },
        { input: 'x'.repeat(MAX_CLIENT_LEVEL), expected: 'x'.repeat(MAX_CLIENT_LEVEL) },
    ];
    for (const { input, expected } of rows) {
        it(`'${input.length > 20 ? `${input.slice(0, 20)}…(${input.length})` : input}' → '${expected.slice(0, 20)}'`, () =>
            assert.equal(clientIdToLevel(input), expected));
    }

    it('a 65,535-character id gives a bounded level, distinct from an id that differs only at its end (issue #16)', () => {
        const long = 'a'.repeat(65_534);
        const one = clientIdToLevel(`${long}1`);
        const two = clientIdToLevel(`${long}2`);
        assert.equal(one.length, MAX_CLIENT_LEVEL);
        assert.notEqual(one, two);
        assert.equal(clientIdToLevel(`${long}1`), one, 'the same id always gives the same level');
    });
});

describe('clientListText (info.clientList)', () => {
    it('lists the ids sorted, comma-separated', () => assert.equal(clientListText(['b', 'a']), 'a,b'));

    it('is bounded in count and length, with how many more there are (issue #16: 300 long ids made 18 MB)', () => {
        const ids = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(65_532)}`);
        const text = clientListText(ids);
        assert.ok(text.length <= CLIENT_LIST_MAX_CHARS + 30, `${text.length} characters`);
        const more = /,… and (\d+) more$/.exec(text);
        assert.ok(more, text.slice(-50));
        const shown = text.slice(0, more.index).split(',');
        assert.equal(shown.length + Number(more[1]), 300, 'shown and counted add up to every client');
        const few = Array.from({ length: 150 }, (_, i) => `c${String(i).padStart(3, '0')}`);
        assert.match(clientListText(few), /^c000,c001,.*,c099,… and 50 more$/);
    });
});
