import assert from 'node:assert/strict';
import { OpenClients } from '../../src/broker/openClients';

describe('OpenClients (which connections are present)', () => {
    it('a connection that closed before it was ready never becomes present (issue #16)', () => {
        const open = new OpenClients<object>();
        const early = {};
        assert.equal(open.closed(early, 'a'), false, 'nothing to report: it was never present');
        assert.equal(open.ready(early, 'a'), false);
        assert.equal(open.count, 0);
    });

    it('a takeover: the id stays present while one of its connections is open, whatever the order of events', () => {
        const open = new OpenClients<object>();
        const first = {};
        const second = {};
        assert.equal(open.ready(first, 'a'), true);
        assert.equal(open.ready(second, 'a'), true);
        assert.equal(open.count, 2);
        assert.equal(open.closed(first, 'a'), false, 'the second connection still holds the id');
        assert.equal(open.closed(first, 'a'), false, 'a second report of the same close changes nothing');
        assert.equal(open.count, 1);
        assert.equal(open.closed(second, 'a'), true, 'the last one: the id is gone');
        assert.equal(open.count, 0);
    });
});
