#!/usr/bin/env node
'use strict'
/*
 * kafkajs against a TLS or SASL listener.
 *
 *   node tests/clients/node/kafkajs_security.js --bootstrap HOST:PORT [--ssl --ca CA.pem
 *        [--cert C.pem --key K.pem]] [--mechanism plain|scram-sha-256|scram-sha-512
 *        --user U --password P] [--expect-failure]
 *
 * With working credentials: creates a topic, produces 5 records, reads them back in a group.
 * With --expect-failure: the broker must refuse the client; the error is reported.
 * Last stdout line: one JSON summary. Exit 0 when the outcome is the expected one, else 1.
 */
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
let kafkajs
try {
  kafkajs = require(path.join(__dirname, 'node_modules', 'kafkajs'))
} catch (e) {
  process.stderr.write('kafkajs_security: kafkajs is not installed; run scripts/install-test-deps.sh\n')
  process.exit(2)
}
const { Kafka, logLevel } = kafkajs

function fail (msg) {
  process.stderr.write(`kafkajs_security: FAILED: ${msg}\n`)
  process.exit(1)
}

const opts = { ssl: false, expectFailure: false }
const argv = process.argv.slice(2)
for (let k = 0; k < argv.length; k++) {
  const a = argv[k]
  const val = () => argv[++k]
  if (a === '--bootstrap') opts.bootstrap = val()
  else if (a === '--ssl') opts.ssl = true
  else if (a === '--ca') opts.ca = val()
  else if (a === '--cert') opts.cert = val()
  else if (a === '--key') opts.key = val()
  else if (a === '--mechanism') opts.mechanism = val()
  else if (a === '--user') opts.user = val()
  else if (a === '--password') opts.password = val()
  else if (a === '--expect-failure') opts.expectFailure = true
  else fail(`unknown argument ${a}`)
}

async function main () {
  const config = {
    clientId: 'kbox-kafkajs-security',
    brokers: [opts.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    retry: { retries: opts.expectFailure ? 0 : 5 }
  }
  if (opts.ssl) {
    config.ssl = { ca: [fs.readFileSync(opts.ca, 'utf-8')] }
    if (opts.cert) {
      config.ssl.cert = fs.readFileSync(opts.cert, 'utf-8')
      config.ssl.key = fs.readFileSync(opts.key, 'utf-8')
    }
  }
  if (opts.mechanism) {
    config.sasl = { mechanism: opts.mechanism, username: opts.user, password: opts.password }
  }
  const kafka = new Kafka(config)
  const admin = kafka.admin()
  if (opts.expectFailure) {
    try {
      await admin.connect()
      await admin.listTopics()
    } catch (e) {
      await admin.disconnect().catch(() => {})
      console.log(JSON.stringify({ refused: true, error: `${e.name}: ${e.message}` }))
      return
    }
    await admin.disconnect()
    fail('the broker served a client it should refuse')
  }
  const topic = `kbox-js-sec-${crypto.randomBytes(4).toString('hex')}`
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })
  await admin.disconnect()
  const producer = kafka.producer()
  await producer.connect()
  await producer.send({ topic, acks: -1, messages: [0, 1, 2, 3, 4].map(i => ({ value: `m${i}` })) })
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: topic })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const got = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out with ${got.length} records`)), 30000)
    consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message.value.toString())
        if (got.length === 5) { clearTimeout(timer); resolve() }
      }
    })
  })
  await consumer.disconnect()
  if (got.join(',') !== 'm0,m1,m2,m3,m4') fail(`consumed ${got}`)
  console.log(JSON.stringify({ produced: 5, consumed: got.length }))
}

main().catch(e => fail(`${e.name}: ${e.message}`))
