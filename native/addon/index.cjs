'use strict';
module.exports = require('./build/Release/shardkit_native.node');
