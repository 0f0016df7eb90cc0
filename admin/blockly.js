/* global Blockly, main, systemLang, goog */
'use strict';
/*
 * Blockly block for the javascript adapter's editor: "MQTT message" (instance, topic, message, retain, QoS).
 * It generates sendTo('mqtt-gateway.N', 'sendMessage2Client', {...}): in server mode the embedded broker delivers the
 * message to its subscribers, in client mode it is published to the external broker.
 */
(function () {
    if (typeof goog !== 'undefined') {
        goog.provide('Blockly.JavaScript.Sendto');
        goog.require('Blockly.JavaScript');
    }

    var BLOCK = 'mqtt_gateway_message';
    var ADAPTER = 'mqtt-gateway';

    var words = {
        mqtt_gateway_message: {
            en: 'MQTT message',
            de: 'MQTT-Nachricht',
            ru: 'MQTT-сообщение',
            pt: 'Mensagem MQTT',
            nl: 'MQTT-bericht',
            fr: 'Message MQTT',
            it: 'Messaggio MQTT',
            es: 'Mensaje MQTT',
            pl: 'Wiadomość MQTT',
            uk: 'MQTT-повідомлення',
            'zh-cn': 'MQTT 消息',
        },
        mqtt_gateway_topic: {
            en: 'topic',
            de: 'Topic',
            ru: 'топик',
            pt: 'tópico',
            nl: 'topic',
            fr: 'topic',
            it: 'topic',
            es: 'tema',
            pl: 'temat',
            uk: 'топік',
            'zh-cn': '主题',
        },
        mqtt_gateway_payload: {
            en: 'message',
            de: 'Nachricht',
            ru: 'сообщение',
            pt: 'mensagem',
            nl: 'bericht',
            fr: 'message',
            it: 'messaggio',
            es: 'mensaje',
            pl: 'treść',
            uk: 'повідомлення',
            'zh-cn': '内容',
        },
        mqtt_gateway_retain: {
            en: 'keep on broker (retain)',
            de: 'auf dem Broker behalten (retain)',
            ru: 'хранить на брокере (retain)',
            pt: 'manter no broker (retain)',
            nl: 'op de broker bewaren (retain)',
            fr: 'conserver sur le broker (retain)',
            it: 'conserva sul broker (retain)',
            es: 'conservar en el broker (retain)',
            pl: 'zachowaj na brokerze (retain)',
            uk: 'зберігати на брокері (retain)',
            'zh-cn': '在代理上保留 (retain)',
        },
        mqtt_gateway_qos: {
            en: 'QoS',
            de: 'QoS',
            ru: 'QoS',
            pt: 'QoS',
            nl: 'QoS',
            fr: 'QoS',
            it: 'QoS',
            es: 'QoS',
            pl: 'QoS',
            uk: 'QoS',
            'zh-cn': 'QoS',
        },
        mqtt_gateway_qos_default: {
            en: 'as configured',
            de: 'wie eingestellt',
            ru: 'как в настройках',
            pt: 'como configurado',
            nl: 'zoals ingesteld',
            fr: 'selon la configuration',
            it: 'come configurato',
            es: 'según la configuración',
            pl: 'jak w ustawieniach',
            uk: 'як у налаштуваннях',
            'zh-cn': '按配置',
        },
        mqtt_gateway_all: {
            en: 'all instances',
            de: 'alle Instanzen',
            ru: 'все экземпляры',
            pt: 'todas as instâncias',
            nl: 'alle instanties',
            fr: 'toutes les instances',
            it: 'tutte le istanze',
            es: 'todas las instancias',
            pl: 'wszystkie instancje',
            uk: 'усі екземпляри',
            'zh-cn': '所有实例',
        },
        mqtt_gateway_tooltip: {
            en: 'Publish a message on any MQTT topic through the mqtt-gateway adapter',
            de: 'Eine Nachricht über den Adapter mqtt-gateway auf einem beliebigen MQTT-Topic veröffentlichen',
            ru: 'Опубликовать сообщение в любом MQTT-топике через адаптер mqtt-gateway',
            pt: 'Publicar uma mensagem em qualquer tópico MQTT através do adaptador mqtt-gateway',
            nl: 'Een bericht op een willekeurig MQTT-topic publiceren via de adapter mqtt-gateway',
            fr: "Publier un message sur n'importe quel topic MQTT via l'adaptateur mqtt-gateway",
            it: "Pubblica un messaggio su qualsiasi topic MQTT tramite l'adattatore mqtt-gateway",
            es: 'Publicar un mensaje en cualquier tema MQTT a través del adaptador mqtt-gateway',
            pl: 'Opublikuj wiadomość w dowolnym temacie MQTT przez adapter mqtt-gateway',
            uk: 'Опублікувати повідомлення в будь-якому MQTT-топіку через адаптер mqtt-gateway',
            'zh-cn': '通过 mqtt-gateway 适配器向任意 MQTT 主题发布消息',
        },
    };

    var lang = function () {
        return typeof systemLang !== 'undefined' && systemLang ? systemLang : 'en';
    };
    var t = function (key) {
        var w = words[key];
        return w ? w[lang()] || w.en : key;
    };

    Blockly.Words = Blockly.Words || {};
    Object.keys(words).forEach(function (key) {
        Blockly.Words[key] = words[key];
    });

    /** Instances of this adapter the editor knows, as dropdown entries [label, value]; value '' = all instances. */
    function instanceOptions() {
        var options = [];
        var list = typeof main !== 'undefined' && main && main.instances ? main.instances : [];
        var pattern = /^system\.adapter\.mqtt-gateway\.(\d+)$/;
        for (var i = 0; i < list.length; i++) {
            var match = pattern.exec(list[i]);
            if (match) {
                options.push([ADAPTER + '.' + match[1], '.' + match[1]]);
            }
        }
        if (!options.length) {
            options.push([ADAPTER + '.0', '.0']);
        }
        options.push([t('mqtt_gateway_all'), '']);
        return options;
    }

    if (Blockly.Sendto && Blockly.Sendto.blocks) {
        Blockly.Sendto.blocks[BLOCK] =
            '<block type="' +
            BLOCK +
            '">' +
            '<value name="TOPIC"><shadow type="text"><field name="TEXT">home/livingroom/lamp</field></shadow></value>' +
            '<value name="MESSAGE"><shadow type="text"><field name="TEXT">on</field></shadow></value>' +
            '</block>';
    }

    Blockly.Blocks[BLOCK] = {
        init: function () {
            this.appendDummyInput('INSTANCE')
                .appendField(t('mqtt_gateway_message'))
                .appendField(new Blockly.FieldDropdown(instanceOptions()), 'INSTANCE');
            this.appendValueInput('TOPIC').appendField(t('mqtt_gateway_topic'));
            this.appendValueInput('MESSAGE').appendField(t('mqtt_gateway_payload'));
            this.appendDummyInput('RETAIN')
                .appendField(t('mqtt_gateway_retain'))
                .appendField(new Blockly.FieldCheckbox('FALSE'), 'RETAIN');
            this.appendDummyInput('QOS')
                .appendField(t('mqtt_gateway_qos'))
                .appendField(
                    new Blockly.FieldDropdown([
                        [t('mqtt_gateway_qos_default'), ''],
                        ['0', '0'],
                        ['1', '1'],
                        ['2', '2'],
                    ]),
                    'QOS',
                );
            this.setInputsInline(false);
            this.setPreviousStatement(true, null);
            this.setNextStatement(true, null);
            this.setColour(Blockly.Sendto && Blockly.Sendto.HUE !== undefined ? Blockly.Sendto.HUE : 190);
            this.setTooltip(t('mqtt_gateway_tooltip'));
            this.setHelpUrl('');
        },
    };

    Blockly.JavaScript[BLOCK] = function (block) {
        var order = Blockly.JavaScript.ORDER_ATOMIC;
        var topic = Blockly.JavaScript.valueToCode(block, 'TOPIC', order) || "''";
        var message = Blockly.JavaScript.valueToCode(block, 'MESSAGE', order) || "''";
        var retainField = block.getFieldValue('RETAIN');
        var retain = retainField === true || retainField === 'TRUE' || retainField === 'true';
        var qos = block.getFieldValue('QOS');
        var fields = ['topic: ' + topic, 'message: ' + message, 'retain: ' + retain];
        if (qos === '0' || qos === '1' || qos === '2') {
            fields.push('qos: ' + qos);
        }
        var instance = block.getFieldValue('INSTANCE') || '';
        return "sendTo('" + ADAPTER + instance + "', 'sendMessage2Client', { " + fields.join(', ') + ' });\n';
    };
})();
