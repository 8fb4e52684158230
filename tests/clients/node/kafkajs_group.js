#!/usr/bin/env node
'use strict'
/*
 * kafkajs consumer-group members sharing a topic on a Kafka-compatible broker.
 *
 *   node tests/clients/node/kafkajs_group.js --bootstrap HOST:PORT [--count 3000] [--timeout 90]
 *
 * 1. Creates a 6-partition topic; three kafkajs members (a, b, c) join one group and each owns
 *    partitions before any record exists; then --count keyed records are produced.
 * 2. Members commit after every message. After a third of the records, member a leaves and
 *    member d joins. Every record must be read exactly once across all members.
 * 3. Once everything is read, the live members' assignments are disjoint and cover the six
 *    partitions. All members leave; 100 more records are produced; two fresh members of the
 *    same group read exactly those 100 (the committed offsets are resumed).
 * Last stdout line: one JSON summary. Exit 0 on success, 1 on failure, 2 on bad usage.
 */
const path = require('path')
const crypto = require('crypto')

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
let kafkajs
try {
  kafkajs = require(path.join(__dirname, 'node_modules', 'kafkajs'))
} catch (e) {
  process.stderr.write('kafkajs_group: kafkajs is not installed; run scripts/install-test-deps.sh\n')
  process.exit(2)
}
const { Kafka, logLevel } = kafkajs

const PARTITIONS = 6

function parseArgs (argv) {
  const opts = { count: 3000, timeout: 90 }
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]
    const val = () => argv[++k]
    if (a === '--bootstrap') opts.bootstrap = val()
    else if (a === '--count') opts.count = parseInt(val(), 10)
    else if (a === '--timeout') opts.timeout = Number(val())
    else {
      process.stderr.write(`kafkajs_group: unknown argument ${a}\n`)
      process.exit(2)
    }
  }
  if (!opts.bootstrap) {
    process.stderr.write('kafkajs_group: --bootstrap is required\n')
    process.exit(2)
  }
  return opts
}

async function waitFor (pred, seconds, what) {
  const deadline = Date.now() + seconds * 1000
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/* One group member: records what it reads in `seen` ((partition, offset) -> member name). */
async function startMember (kafka, name, group, topic, seen) {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, sessionTimeout: 10000, rebalanceTimeout: 10000, heartbeatInterval: 500 })
  const member = { name, consumer, assignment: [], duplicate: null }
  consumer.on(consumer.events.GROUP_JOIN, e => {
    member.assignment = (e.payload.memberAssignment[topic] || []).slice()
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async ({ partition, message }) => {
      const key = `${partition}:${message.offset}`
      if (seen.has(key) && !member.duplicate) {
        member.duplicate = `${name} read partition ${partition} offset ${message.offset} already read by ${seen.get(key)}`
      }
      seen.set(key, name)
      // Simulated processing time, so that membership changes happen mid-stream.
      if (seen.size % 50 === 0) await new Promise(resolve => setTimeout(resolve, 20))
    }
  })
  return member
}

async function produce (kafka, topic, from, to) {
  const producer = kafka.producer()
  await producer.connect()
  for (let i = from; i < to; i += 500) {
    const messages = []
    for (let j = i; j < Math.min(to, i + 500); j++) messages.push({ key: `k${j}`, value: `v${j}` })
    await producer.send({ topic, acks: -1, messages })
  }
  await producer.disconnect()
}

async function main () {
  const opts = parseArgs(process.argv.slice(2))
  const run = crypto.randomBytes(4).toString('hex')
  const topic = `kjs-grp-${run}`
  const group = `kjs-g-${run}`
  const kafka = new Kafka({ clientId: 'kbox-kjs-group', brokers: [opts.bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }] })
  await admin.disconnect()

  const seen = new Map()
  const members = []
  for (const name of ['a', 'b', 'c']) members.push(await startMember(kafka, name, group, topic, seen))
  await waitFor(() => members.every(m => m.assignment.length > 0), opts.timeout, 'three members to own partitions')
  await produce(kafka, topic, 0, opts.count)

  await waitFor(() => seen.size >= opts.count / 3, opts.timeout, 'a third of the records')
  await members[0].consumer.disconnect()
  members.push(await startMember(kafka, 'd', group, topic, seen))
  await waitFor(() => seen.size >= opts.count, opts.timeout, `all ${opts.count} records (read ${seen.size})`)
  const live = members.slice(1)
  const complete = () => {
    const owned = live.flatMap(m => m.assignment)
    return owned.length === PARTITIONS && new Set(owned).size === PARTITIONS
  }
  await waitFor(complete, opts.timeout, 'a complete, disjoint assignment')
  const dup = members.find(m => m.duplicate)
  if (dup) throw new Error(dup.duplicate)
  if (seen.size !== opts.count) throw new Error(`read ${seen.size} records, produced ${opts.count}`)
  const perMember = {}
  for (const who of seen.values()) perMember[who] = (perMember[who] || 0) + 1
  if (Object.keys(perMember).length < 3) throw new Error(`the work was not shared: ${JSON.stringify(perMember)}`)
  for (const m of live) await m.consumer.disconnect()

  // Restart: committed offsets are resumed, only new records are read.
  await produce(kafka, topic, opts.count, opts.count + 100)
  const fresh = new Map()
  const again = [await startMember(kafka, 'r1', group, topic, fresh), await startMember(kafka, 'r2', group, topic, fresh)]
  await waitFor(() => fresh.size >= 100, opts.timeout, 'the 100 new records')
  await new Promise(resolve => setTimeout(resolve, 500)) // nothing more may arrive
  for (const m of again) await m.consumer.disconnect()
  if (fresh.size !== 100) throw new Error(`after restart read ${fresh.size} records, expected the 100 new ones`)
  const redup = again.find(m => m.duplicate)
  if (redup) throw new Error(redup.duplicate)

  process.stdout.write(JSON.stringify({ consumed: seen.size, per_member: perMember, resumed: fresh.size }) + '\n')
}

main().then(() => process.exit(0), e => {
  process.stderr.write(`kafkajs_group: FAILED: ${e && e.stack ? e.stack : e}\n`)
  process.exit(1)
})
