/* global Blockly, main, systemLang, goog */
'use strict';
/*
 * Blockly blocks for the javascript adapter's editor:
 * - "MQTT message" (instance, topic, message, retain, QoS) generates sendTo('mqtt-gateway.N', 'sendMessage2Client',
 *   {...}): in server mode the embedded broker delivers the message to its subscribers, in client mode it is published
 *   to the external broker;
 * - "MQTT command state" (instance, topic, type) generates sendTo('mqtt-gateway.N', 'createCommand', {topic, type}):
 *   a writable state for a topic a device only listens to (cmnd/plug1/POWER); a setState on it is the command.
 */
(function () {
    if (typeof goog !== 'undefined') {
        goog.provide('Blockly.JavaScript.Sendto');
        goog.require('Blockly.JavaScript');
    }

    var BLOCK = 'mqtt_gateway_message';
    var COMMAND_BLOCK = 'mqtt_gateway_command';
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
        mqtt_gateway_command: {
            en: 'MQTT command state',
            de: 'MQTT-Befehlszustand',
            ru: 'Состояние команды MQTT',
            pt: 'Estado de comando MQTT',
            nl: 'MQTT-opdrachtstatus',
            fr: 'État de commande MQTT',
            it: 'Stato di comando MQTT',
            es: 'Estado de comando MQTT',
            pl: 'Stan polecenia MQTT',
            uk: 'Стан команди MQTT',
            'zh-cn': 'MQTT 命令状态',
        },
        mqtt_gateway_type: {
            en: 'type',
            de: 'Typ',
            ru: 'тип',
            pt: 'tipo',
            nl: 'type',
            fr: 'type',
            it: 'tipo',
            es: 'tipo',
            pl: 'typ',
            uk: 'тип',
            'zh-cn': '类型',
        },
        mqtt_gateway_command_tooltip: {
            en: 'Create a writable state for a topic a device listens to (e.g. cmnd/plug1/POWER); writing it sends the command',
            de: 'Einen beschreibbaren Zustand für ein Topic anlegen, auf das ein Gerät hört (z. B. cmnd/plug1/POWER); ihn zu schreiben sendet den Befehl',
            ru: 'Создать записываемое состояние для топика, который слушает устройство (напр. cmnd/plug1/POWER); запись отправляет команду',
            pt: 'Criar um estado gravável para um tópico que um dispositivo escuta (ex. cmnd/plug1/POWER); escrevê-lo envia o comando',
            nl: 'Een schrijfbare status maken voor een topic waar een apparaat naar luistert (bijv. cmnd/plug1/POWER); schrijven verstuurt de opdracht',
            fr: "Créer un état modifiable pour un topic qu'un appareil écoute (p. ex. cmnd/plug1/POWER) ; l'écrire envoie la commande",
            it: 'Crea uno stato scrivibile per un topic che un dispositivo ascolta (es. cmnd/plug1/POWER); scriverlo invia il comando',
            es: 'Crear un estado escribible para un tema que escucha un dispositivo (p. ej. cmnd/plug1/POWER); escribirlo envía el comando',
            pl: 'Utwórz zapisywalny stan dla tematu, którego słucha urządzenie (np. cmnd/plug1/POWER); zapis wysyła polecenie',
            uk: 'Створити записуваний стан для топіка, який слухає пристрій (напр. cmnd/plug1/POWER); запис надсилає команду',
            'zh-cn': '为设备监听的主题创建可写状态（例如 cmnd/plug1/POWER）；写入即发送命令',
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
        Blockly.Sendto.blocks[COMMAND_BLOCK] =
            '<block type="' +
            COMMAND_BLOCK +
            '">' +
            '<value name="TOPIC"><shadow type="text"><field name="TEXT">cmnd/plug1/POWER</field></shadow></value>' +
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

    Blockly.Blocks[COMMAND_BLOCK] = {
        init: function () {
            this.appendDummyInput('INSTANCE')
                .appendField(t('mqtt_gateway_command'))
                .appendField(new Blockly.FieldDropdown(instanceOptions().slice(0, -1)), 'INSTANCE');
            this.appendValueInput('TOPIC').appendField(t('mqtt_gateway_topic'));
            this.appendDummyInput('TYPE')
                .appendField(t('mqtt_gateway_type'))
                .appendField(
                    new Blockly.FieldDropdown([
                        ['string', 'string'],
                        ['number', 'number'],
                        ['boolean', 'boolean'],
                        ['json', 'json'],
                        ['mixed', 'mixed'],
                    ]),
                    'TYPE',
                );
            this.setInputsInline(false);
            this.setPreviousStatement(true, null);
            this.setNextStatement(true, null);
            this.setColour(Blockly.Sendto && Blockly.Sendto.HUE !== undefined ? Blockly.Sendto.HUE : 190);
            this.setTooltip(t('mqtt_gateway_command_tooltip'));
            this.setHelpUrl('');
        },
    };

    Blockly.JavaScript[COMMAND_BLOCK] = function (block) {
        var topic = Blockly.JavaScript.valueToCode(block, 'TOPIC', Blockly.JavaScript.ORDER_ATOMIC) || "''";
        var type = block.getFieldValue('TYPE') || 'string';
        var instance = block.getFieldValue('INSTANCE') || '.0';
        return (
            "sendTo('" + ADAPTER + instance + "', 'createCommand', { topic: " + topic + ", type: '" + type + "' });\n"
        );
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
