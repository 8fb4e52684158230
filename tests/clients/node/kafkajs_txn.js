#!/usr/bin/env node
'use strict'
/*
 * kafkajs transactions against a Kafka-compatible broker.
 *
 *   node tests/clients/node/kafkajs_txn.js --bootstrap HOST:PORT [--transactions 6] [--per-txn 20]
 *
 * Creates a 3-partition topic, then one idempotent transactional producer writes
 * --transactions transactions of --per-txn records, committing the even ones and aborting
 * the odd ones; the third also commits offsets for a group (sendOffsets). Then a
 * read_committed consumer (readUncommitted: false) and a read_uncommitted one read the
 * topic back. Last stdout line, JSON: {"committed_expected","committed_seen",
 * "committed_exact","uncommitted_seen","total","group_offset"}. Exit 1 on failure.
 */
const path = require('path')
const crypto = require('crypto')

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
let kafkajs
try {
  kafkajs = require(path.join(__dirname, 'node_modules', 'kafkajs'))
} catch (e) {
  process.stderr.write('kafkajs_txn: kafkajs is not installed; run scripts/install-test-deps.sh\n')
  process.exit(2)
}
const { Kafka, logLevel } = kafkajs

function arg (name, dflt) {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : dflt
}

async function readAll (kafka, topic, readUncommitted, expect) {
  const consumer = kafka.consumer({ groupId: `read-${crypto.randomBytes(4).toString('hex')}`, readUncommitted })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = []
  let last = Date.now()
  await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value.toString()); last = Date.now() } })
  const start = Date.now()
  while (Date.now() - start < 60000) {
    await new Promise(resolve => setTimeout(resolve, 200))
    if (seen.length >= expect && Date.now() - last > 2000) break
  }
  await consumer.disconnect()
  return seen
}

async function main () {
  const bootstrap = arg('--bootstrap')
  if (!bootstrap) { process.stderr.write('kafkajs_txn: --bootstrap is required\n'); process.exit(2) }
  const transactions = parseInt(arg('--transactions', '6'), 10)
  const perTxn = parseInt(arg('--per-txn', '20'), 10)
  const topic = `kjs-txn-${crypto.randomBytes(4).toString('hex')}`
  const kafka = new Kafka({ clientId: 'kafkajs-txn', brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }, { topic: `${topic}-src`, numPartitions: 1 }] })
  const producer = kafka.producer({ idempotent: true, transactionalId: `kjs-${topic}`, maxInFlightRequests: 1 })
  await producer.connect()
  const committed = new Set()
  let n = 0
  for (let t = 0; t < transactions; t++) {
    const txn = await producer.transaction()
    const messages = []
    for (let i = 0; i < perTxn; i++) {
      messages.push({ value: `t${t}-${n}`, partition: n % 3 })
      n++
    }
    await txn.send({ topic, messages })
    if (t === 2) {
      await txn.sendOffsets({ consumerGroupId: `${topic}-group`, topics: [{ topic: `${topic}-src`, partitions: [{ partition: 0, offset: '42' }] }] })
    }
    if (t % 2 === 0) {
      await txn.commit()
      for (const m of messages) committed.add(m.value)
    } else {
      await txn.abort()
    }
  }
  await producer.disconnect()
  const rc = await readAll(kafka, topic, false, committed.size)
  const ru = await readAll(kafka, topic, true, n)
  const offsets = await admin.fetchOffsets({ groupId: `${topic}-group`, topics: [`${topic}-src`] })
  await admin.disconnect()
  const exact = rc.length === committed.size && rc.every(v => committed.has(v))
  console.log(JSON.stringify({
    committed_expected: committed.size,
    committed_seen: rc.length,
    committed_exact: exact,
    uncommitted_seen: ru.length,
    total: n,
    group_offset: offsets[0].partitions[0].offset
  }))
}

main().catch(e => { process.stderr.write(`kafkajs_txn: ${e.stack || e}\n`); process.exit(1) })
