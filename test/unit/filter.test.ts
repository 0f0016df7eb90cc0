import assert from 'node:assert/strict';
import {
    compileIdMask,
    compileTopicFilter,
    idMaskError,
    matchesAnyFilter,
    matchesAnyMask,
    splitList,
    topicFilterError,
    topicNameError,
} from '../../src/mapping/filter';

describe('MQTT topic filters', () => {
    const rows: { filter: string; topic: string; expected: boolean }[] = [
        { filter: '#', topic: 'a', expected: true },
        { filter: '#', topic: 'a/b/c', expected: true },
        { filter: '#', topic: '/', expected: true },
        { filter: '#', topic: '$SYS/x', expected: false }, // [MQTT-4.7.2-1]
        { filter: '+/x', topic: '$SYS/x', expected: false },
        { filter: '$SYS/#', topic: '$SYS/x', expected: true },
        { filter: '+', topic: 'a', expected: true },
        { filter: '+', topic: 'a/b', expected: false }, // regression: iobroker.mqtt's '+' matched everything
        { filter: '+', topic: '', expected: true },
        { filter: '+/+', topic: '/a', expected: true },
        { filter: 'a/+', topic: 'a/b', expected: true },
        { filter: 'a/+', topic: 'xa/b', expected: false }, // regression: iobroker.mqtt matched 'xa/b'
        { filter: 'a/+', topic: 'a/b/c', expected: false },
        { filter: 'a/+', topic: 'a', expected: false },
        { filter: 'a/+', topic: 'a/', expected: true },
        { filter: '+/b', topic: 'a/b', expected: true },
        { filter: '+/b', topic: 'a/c', expected: false },
        { filter: 'a/#', topic: 'a', expected: true }, // [MQTT-4.7.1-2]
        { filter: 'a/#', topic: 'a/b/c', expected: true },
        { filter: 'a/#', topic: 'ab', expected: false },
        { filter: 'a/b/#', topic: 'a', expected: false },
        { filter: 'a/b/#', topic: 'a/b', expected: true },
        { filter: 'a/b', topic: 'a/b', expected: true },
        { filter: 'a/b', topic: 'a/b/', expected: false },
        { filter: 'A/b', topic: 'a/b', expected: false },
        { filter: 'a/+/c/#', topic: 'a/x/c', expected: true },
        { filter: 'a/+/c/#', topic: 'a/x/d/e', expected: false },
        { filter: 'ü/+', topic: 'ü/ß', expected: true },
    ];
    for (const row of rows) {
        it(`'${row.filter}' ${row.expected ? 'matches' : 'does not match'} '${row.topic}'`, () => {
            assert.equal(compileTopicFilter(row.filter).matches(row.topic), row.expected);
        });
    }

    const invalid = ['', 'a/#/b', 'a#', 'a+', '+a/b', 'a/b#', '##', 'a/\u0000'];
    for (const filter of invalid) {
        it(`refuses the filter ${JSON.stringify(filter)}`, () => {
            assert.notEqual(topicFilterError(filter), undefined);
            assert.throws(() => compileTopicFilter(filter), /Invalid topic filter/);
        });
    }

    it('validates topic names', () => {
        assert.equal(topicNameError('a/b'), undefined);
        assert.equal(topicNameError('/'), undefined);
        assert.match(topicNameError('a/+') ?? '', /wildcard/);
        assert.match(topicNameError('#') ?? '', /wildcard/);
        assert.match(topicNameError('') ?? '', /empty/);
        assert.match(topicNameError('a\u0000') ?? '', /NUL/);
        // [MQTT-1.5.3-1]: what arrived as ill-formed UTF-8 is U+FFFD after decoding; a lone surrogate is refused too
        assert.match(topicNameError('a\uFFFDb') ?? '', /UTF-8/);
        assert.match(topicNameError('a\uD800') ?? '', /UTF-8/);
        assert.equal(topicNameError('emoji/\u{1F600}'), undefined, 'a surrogate pair is well-formed');
        assert.match(topicFilterError('a/\uFFFD/#') ?? '', /UTF-8/);
    });
});

describe('ioBroker id masks', () => {
    const rows: { mask: string; id: string; expected: boolean }[] = [
        { mask: 'mqtt-gateway.0.*', id: 'mqtt-gateway.0.a.b', expected: true },
        { mask: 'mqtt-gateway.0.*', id: 'mqtt-gateway.00.a', expected: false },
        { mask: 'mqtt-gateway.0.*', id: 'mqtt-gatewayX0.a', expected: false }, // the dot is literal
        { mask: 'javascript.0.x', id: 'javascript.0.x', expected: true },
        { mask: 'javascript.0.x', id: 'javascript.0.xy', expected: false },
        { mask: '*', id: 'anything.at.all', expected: true },
        { mask: '*.temperature', id: 'hm-rpc.0.abc.temperature', expected: true },
        { mask: '*.temperature', id: 'hm-rpc.0.abc.temperature2', expected: false },
        { mask: 'a*b', id: 'a.x.b', expected: true },
        { mask: 'a$b*', id: 'a$b.c', expected: true }, // regex characters are literal
        { mask: 'a+b', id: 'aab', expected: false },
    ];
    for (const row of rows) {
        it(`'${row.mask}' ${row.expected ? 'matches' : 'does not match'} '${row.id}'`, () => {
            assert.equal(compileIdMask(row.mask).matches(row.id), row.expected);
        });
    }

    for (const mask of ['', 'a b', 'a.[b]', 'a..b', '.a', 'a,b"']) {
        it(`refuses the mask '${mask}'`, () => {
            assert.notEqual(idMaskError(mask), undefined);
            assert.throws(() => compileIdMask(mask), /Invalid id mask/);
        });
    }

    it('matches lists of filters and masks', () => {
        const filters = [compileTopicFilter('a/+'), compileTopicFilter('b/#')];
        assert.equal(matchesAnyFilter(filters, 'b/x/y'), true);
        assert.equal(matchesAnyFilter(filters, 'c'), false);
        assert.equal(matchesAnyFilter([], 'a'), false);
        const masks = [compileIdMask('a.*'), compileIdMask('b.0.x')];
        assert.equal(matchesAnyMask(masks, 'b.0.x'), true);
        assert.equal(matchesAnyMask(masks, 'c.0.x'), false);
        assert.equal(matchesAnyMask([], 'a'), false);
    });

    it('splits comma lists', () => {
        assert.deepEqual(splitList(' a, b ,,c '), ['a', 'b', 'c']);
        assert.deepEqual(splitList(''), []);
    });
});
