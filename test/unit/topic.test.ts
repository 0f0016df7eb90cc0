import assert from 'node:assert/strict';
import { idToTopic, topicToId, unwritableTopicReason, type TopicOptions } from '../../src/mapping/topic';

const base: TopicOptions = {
    namespace: 'mqtt-gateway.0',
    prefix: '',
    removePrefix: '',
    extraSet: false,
    dotToUnderscore: false,
};

describe('topicToId (SPEC §3)', () => {
    const rows: {
        topic: string;
        options?: Partial<TopicOptions>;
        own?: string;
        foreign?: string;
        command?: boolean;
        nativeTopic?: string;
    }[] = [
        // the SPEC table
        { topic: '/mqtt-gateway/0/test1', own: 'mqtt-gateway.0.test1' },
        { topic: 'mqtt-gateway/0/test2', own: 'mqtt-gateway.0.test2' },
        { topic: 'test3', own: 'mqtt-gateway.0.test3' },
        { topic: 'te s t4', own: 'mqtt-gateway.0.te_s_t4', nativeTopic: 'te s t4' },
        { topic: 'wolf/HK1.Vorlauftemperatur', own: 'mqtt-gateway.0.wolf.HK1.Vorlauftemperatur' },
        {
            topic: 'wolf/HK1.Vorlauftemperatur',
            options: { dotToUnderscore: true },
            own: 'mqtt-gateway.0.wolf.HK1_Vorlauftemperatur',
        },
        { topic: 'a/b.c/d.e.f', options: { dotToUnderscore: true }, own: 'mqtt-gateway.0.a.b_c.d_e_f' },
        {
            topic: 'testAdapter/0/testChannel/testState',
            own: 'mqtt-gateway.0.testAdapter.0.testChannel.testState',
            foreign: 'testAdapter.0.testChannel.testState',
        },
        { topic: 'iob/a/b', options: { prefix: 'iob/' }, own: 'mqtt-gateway.0.a.b', nativeTopic: 'iob/a/b' },
        // namespace only at a level boundary
        { topic: 'mqtt-gateway/00/a', own: 'mqtt-gateway.0.mqtt-gateway.00.a', foreign: 'mqtt-gateway.00.a' },
        { topic: 'mqtt-gateway/0x/a', own: 'mqtt-gateway.0.mqtt-gateway.0x.a' },
        { topic: 'mqtt-gateway/1/a', own: 'mqtt-gateway.0.mqtt-gateway.1.a', foreign: 'mqtt-gateway.1.a' },
        {
            topic: 'system/adapter/admin/0/alive',
            own: 'mqtt-gateway.0.system.adapter.admin.0.alive',
            foreign: 'system.adapter.admin.0.alive',
        },
        { topic: '0_userdata/0/x', own: 'mqtt-gateway.0.0_userdata.0.x', foreign: '0_userdata.0.x' },
        // empty levels
        { topic: 'a/b/', own: 'mqtt-gateway.0.a.b' },
        { topic: '/a/b/', own: 'mqtt-gateway.0.a.b' },
        { topic: 'a//b', own: 'mqtt-gateway.0.a._.b' },
        { topic: '//a', own: 'mqtt-gateway.0._.a' },
        { topic: 'a/..b', own: 'mqtt-gateway.0.a._._.b' },
        // forbidden characters and whitespace
        { topic: 'a/b*c', own: 'mqtt-gateway.0.a.b_c' },
        { topic: 'a/[x]"y"', own: 'mqtt-gateway.0.a._x_y_' },
        { topic: 'tab\there', own: 'mqtt-gateway.0.tab_here' },
        { topic: 'a,b/c?d', own: 'mqtt-gateway.0.a_b.c_d' },
        // unicode letters and digits are allowed in ids
        { topic: 'küche/licht/1', own: 'mqtt-gateway.0.küche.licht.1' },
        // letters outside Ll/Lu (CJK is Lo) are forbidden in ioBroker ids, like in js-controller's FORBIDDEN_CHARS
        { topic: '温度/传感器', own: 'mqtt-gateway.0._._' },
        { topic: 'emoji/😀', own: 'mqtt-gateway.0.emoji._' },
        // prefix only stripped when present
        { topic: 'other/a', options: { prefix: 'iob/' }, own: 'mqtt-gateway.0.other.a' },
        // extraSet
        { topic: 'a/b/set', options: { extraSet: true }, own: 'mqtt-gateway.0.a.b', command: true, nativeTopic: 'a/b' },
        { topic: 'a/b/set', own: 'mqtt-gateway.0.a.b.set', command: false },
        { topic: 'a/settings', options: { extraSet: true }, own: 'mqtt-gateway.0.a.settings', command: false },
        {
            topic: 'iob/a/set',
            options: { extraSet: true, prefix: 'iob/' },
            own: 'mqtt-gateway.0.a',
            command: true,
            nativeTopic: 'iob/a',
        },
        // very long topics map level by level
        { topic: `${'x'.repeat(300)}/y`, own: `mqtt-gateway.0.${'x'.repeat(300)}.y` },
    ];
    for (const row of rows) {
        const label = `${JSON.stringify(row.topic.length > 40 ? `${row.topic.slice(0, 20)}…(${row.topic.length})` : row.topic)}${row.options ? ` with ${JSON.stringify(row.options)}` : ''}`;
        it(`${label} → ${row.own && row.own.length > 60 ? `${row.own.slice(0, 40)}…` : row.own}`, () => {
            const target = topicToId(row.topic, { ...base, ...row.options });
            assert.ok(target, 'expected a target');
            assert.equal(target.ownId, row.own);
            assert.equal(target.foreignId, row.foreign);
            assert.equal(target.isCommand, row.command ?? false);
            assert.equal(target.nativeTopic, row.nativeTopic ?? row.topic);
        });
    }

    const never = ['', '/', '$SYS/broker/load', 'a/+', 'a/#', '+', 'mqtt-gateway/0', '/mqtt-gateway/0/', 'a/b+c'];
    for (const topic of never) {
        it(`never writes ${JSON.stringify(topic)}`, () => {
            assert.equal(topicToId(topic, base), undefined);
            assert.notEqual(unwritableTopicReason(topic, base.namespace), undefined);
        });
    }
    it('never writes a topic that is only the prefix or only /set', () => {
        assert.equal(topicToId('iob/', { ...base, prefix: 'iob/' }), undefined);
        assert.equal(topicToId('set', { ...base, extraSet: true }), undefined);
        assert.equal(topicToId('mqtt-gateway/0/set', { ...base, extraSet: true }), undefined);
    });
});

describe('idToTopic (SPEC §4)', () => {
    const rows: {
        id: string;
        options?: Partial<TopicOptions>;
        nativeTopic?: string;
        isCommand?: boolean;
        topic: string;
    }[] = [
        { id: 'mqtt-gateway.0.a.b', topic: 'a/b' },
        { id: 'javascript.0.x', topic: 'javascript/0/x' },
        { id: 'mqtt-gateway.00.a', topic: 'mqtt-gateway/00/a' },
        { id: 'mqtt-gateway.0.a+b.c#d', topic: 'a_b/c_d' },
        { id: 'mqtt-gateway.0.a', options: { prefix: 'iob/' }, topic: 'iob/a' },
        { id: 'javascript.0.x.y', options: { removePrefix: 'javascript.0' }, topic: 'x/y' },
        { id: 'javascript.0.x.y', options: { removePrefix: 'javascript.0.' }, topic: 'x/y' },
        { id: 'hm-rpc.0.x', options: { removePrefix: 'javascript.0.' }, topic: 'hm-rpc/0/x' },
        { id: 'mqtt-gateway.0.te_s_t4', nativeTopic: 'te s t4', topic: 'te s t4' },
        { id: 'mqtt-gateway.0.a', nativeTopic: 'iob/dev/a', options: { prefix: 'iob/' }, topic: 'iob/dev/a' },
        { id: 'mqtt-gateway.0.a.b', options: { extraSet: true }, isCommand: true, topic: 'a/b/set' },
        { id: 'mqtt-gateway.0.a.b', options: { extraSet: true }, isCommand: false, topic: 'a/b' },
        { id: 'mqtt-gateway.0.a.b', options: { extraSet: false }, isCommand: true, topic: 'a/b' },
        {
            id: 'mqtt-gateway.0.x',
            nativeTopic: 'dev/x',
            options: { extraSet: true },
            isCommand: true,
            topic: 'dev/x/set',
        },
    ];
    for (const row of rows) {
        it(`${row.id}${row.options ? ` with ${JSON.stringify(row.options)}` : ''} → ${row.topic}`, () => {
            assert.equal(
                idToTopic(
                    row.id,
                    { ...base, ...row.options },
                    {
                        nativeTopic: row.nativeTopic,
                        isCommand: row.isCommand,
                    },
                ),
                row.topic,
            );
        });
    }

    it('round-trips plain own topics', () => {
        for (const topic of ['a/b/c', 'kitchen/light', 'x']) {
            const target = topicToId(topic, base);
            assert.ok(target);
            assert.equal(idToTopic(target.ownId, base), topic);
        }
    });
});
