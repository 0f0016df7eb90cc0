import prettierConfig from '@iobroker/eslint-config/prettier.config.mjs';

export default prettierConfig;
