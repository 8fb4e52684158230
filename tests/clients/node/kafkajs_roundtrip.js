#!/usr/bin/env node
'use strict'
/*
 * kafkajs round trip against a Kafka-compatible broker.
 *
 *   node tests/clients/node/kafkajs_roundtrip.js --bootstrap HOST:PORT [--topic T]
 *        [--partitions 3] [--count 1000] [--batch 100] [--timeout 60]
 *        [--no-consume] [--no-create]
 *
 * 1. admin.createTopics (waitForLeaders) a new topic with --partitions partitions
 *    (--no-create: the topic must already exist, empty, with that many partitions).
 * 2. producer.send --count keyed records (key k<i % 100>, value "<run>:<i>") in
 *    batches of --batch with acks -1; every batch's per-partition baseOffset must
 *    continue that partition's offsets from 0 without gaps.
 * 3. admin.fetchTopicOffsets: per partition low 0 and high = records sent there.
 * 4. unless --no-consume: a consumer (groupId unique to the run, fromBeginning)
 *    reads everything back; each record must be read once, at the partition and
 *    offset it was produced to, in produce order per partition.
 * Everything is disconnected at the end. Last stdout line: one JSON summary.
 * Exit 0 on success, 1 on failure (message on stderr), 2 on bad usage.
 */
const path = require('path')
const crypto = require('crypto')

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'
let kafkajs
try {
  kafkajs = require(path.join(__dirname, 'node_modules', 'kafkajs'))
} catch (e) {
  process.stderr.write('kafkajs_roundtrip: kafkajs is not installed; run scripts/install-test-deps.sh\n')
  process.exit(2)
}
const { Kafka, logLevel, Partitioners } = kafkajs

const NAME = 'kafkajs_roundtrip'

function usage (msg) {
  process.stderr.write(`${NAME}: ${msg}\nusage: kafkajs_roundtrip.js --bootstrap HOST:PORT [--topic T] ` +
    '[--partitions N] [--count N] [--batch N] [--timeout S] [--no-consume] [--no-create] [--debug]\n')
  process.exit(2)
}

function parseArgs (argv) {
  const opts = { partitions: 3, count: 1000, batch: 100, timeout: 60, consume: true, create: true, debug: false }
  const intOpt = { '--partitions': 'partitions', '--count': 'count', '--batch': 'batch' }
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]
    const val = () => {
      if (k + 1 >= argv.length) usage(`${a} needs a value`)
      return argv[++k]
    }
    if (a === '--bootstrap') opts.bootstrap = val()
    else if (a === '--topic') opts.topic = val()
    else if (a === '--timeout') opts.timeout = Number(val())
    else if (intOpt[a]) opts[intOpt[a]] = parseInt(val(), 10)
    else if (a === '--no-consume') opts.consume = false
    else if (a === '--no-create') opts.create = false
    else if (a === '--debug') opts.debug = true
    else if (a === '-h' || a === '--help') usage('help')
    else usage(`unknown argument ${a}`)
  }
  if (!opts.bootstrap) usage('--bootstrap is required')
  for (const k of ['partitions', 'count', 'batch']) {
    if (!Number.isInteger(opts[k]) || opts[k] < 1) usage(`--${k} must be a positive integer`)
  }
  if (!(opts.timeout > 0)) usage('--timeout must be > 0')
  return opts
}

class Fail extends Error {}

const opts = parseArgs(process.argv.slice(2))
const run = crypto.randomBytes(4).toString('hex')
const topic = opts.topic || `kbox-kjs-${run}`
const started = Date.now()
const deadline = started + opts.timeout * 1000
let phase = 'start'
const left = () => Math.max(1, deadline - Date.now())

function log (msg) { process.stderr.write(`${NAME}: ${msg}\n`) }

// Bounded wait on any promise: fails with the phase name at the deadline.
function bounded (promise, what) {
  let timer
  const t = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Fail(`timed out (--timeout ${opts.timeout}s) during ${what}`)), left())
  })
  return Promise.race([promise, t]).finally(() => clearTimeout(timer))
}

// Records which partition kafkajs's default partitioner picks for each record.
const partOf = new Map() // i -> partition
const recordingPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner()
  return (args) => {
    const p = inner(args)
    const i = parseInt(String(args.message.value).split(':')[1], 10)
    partOf.set(i, p)
    return p
  }
}

const kafka = new Kafka({
  clientId: `kbox-kjs-${run}`,
  brokers: opts.bootstrap.split(','),
  logLevel: opts.debug ? logLevel.DEBUG : logLevel.NOTHING,
  connectionTimeout: 5000,
  requestTimeout: 15000,
  retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 }
})
const toDisconnect = []

async function main () {
  const summary = { scenario: NAME, topic, partitions: opts.partitions }
  const admin = kafka.admin()
  toDisconnect.push(admin)
  phase = 'admin connect'
  await bounded(admin.connect(), phase)

  // 1. topic
  if (opts.create) {
    phase = 'createTopics'
    const created = await bounded(admin.createTopics({
      topics: [{ topic, numPartitions: opts.partitions, replicationFactor: 1 }],
      waitForLeaders: true,
      timeout: Math.min(30000, left())
    }), phase)
    if (!created) throw new Fail(`createTopics: topic ${topic} already exists; use a new topic`)
    summary.topic_create = 'created'
  } else {
    summary.topic_create = 'skipped'
  }
  phase = 'fetchTopicMetadata'
  const md = await bounded(admin.fetchTopicMetadata({ topics: [topic] }), phase)
  const parts = md.topics[0].partitions
  if (parts.length !== opts.partitions) {
    throw new Fail(`topic ${topic} has ${parts.length} partitions, expected ${opts.partitions}`)
  }
  phase = 'fetchTopicOffsets (before produce)'
  for (const o of await bounded(admin.fetchTopicOffsets(topic), phase)) {
    if (o.high !== '0') throw new Fail(`topic ${topic} partition ${o.partition} already holds records (high ${o.high}); use a new topic`)
  }

  // 2. produce
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: recordingPartitioner })
  toDisconnect.push(producer)
  phase = 'producer connect'
  await bounded(producer.connect(), phase)
  const nextOff = new Array(opts.partitions).fill(0)
  const offOf = new Map() // i -> offset
  phase = 'producer.send'
  for (let start = 0; start < opts.count; start += opts.batch) {
    const end = Math.min(opts.count, start + opts.batch)
    const messages = []
    for (let i = start; i < end; i++) messages.push({ key: `k${i % 100}`, value: `${run}:${i}` })
    const res = await bounded(producer.send({ topic, acks: -1, messages }), `${phase} of records ${start}..${end - 1}`)
    // Records of this batch per partition, in send order.
    const inBatch = new Map()
    for (let i = start; i < end; i++) {
      const p = partOf.get(i)
      if (p === undefined) throw new Fail(`no partition recorded for record ${i}`)
      if (!inBatch.has(p)) inBatch.set(p, [])
      inBatch.get(p).push(i)
    }
    const seenParts = new Set()
    for (const r of res) {
      if (r.topicName !== topic) throw new Fail(`send answered for topic ${r.topicName}`)
      if (r.errorCode !== 0) throw new Fail(`send to partition ${r.partition}: error code ${r.errorCode}`)
      const list = inBatch.get(r.partition)
      if (!list) throw new Fail(`send answered for partition ${r.partition}, which got no record of the batch`)
      const base = Number(r.baseOffset)
      if (base !== nextOff[r.partition]) {
        throw new Fail(`partition ${r.partition}: batch at base offset ${base}, expected ${nextOff[r.partition]}`)
      }
      list.forEach((i, k) => offOf.set(i, base + k))
      nextOff[r.partition] += list.length
      seenParts.add(r.partition)
    }
    for (const p of inBatch.keys()) {
      if (!seenParts.has(p)) throw new Fail(`send gave no result for partition ${p} of records ${start}..${end - 1}`)
    }
  }
  summary.produced = opts.count
  summary.per_partition = nextOff
  const keyPart = new Map()
  for (let i = 0; i < opts.count; i++) {
    const k = i % 100
    if (!keyPart.has(k)) keyPart.set(k, partOf.get(i))
    else if (keyPart.get(k) !== partOf.get(i)) throw new Fail(`key k${k} went to partitions ${keyPart.get(k)} and ${partOf.get(i)}`)
  }

  // 3. high watermarks
  phase = 'fetchTopicOffsets'
  const offs = await bounded(admin.fetchTopicOffsets(topic), phase)
  if (offs.length !== opts.partitions) throw new Fail(`fetchTopicOffsets returned ${offs.length} partitions`)
  for (const o of offs) {
    if (o.low !== '0' || o.high !== String(nextOff[o.partition])) {
      throw new Fail(`partition ${o.partition}: low ${o.low} high ${o.high}, expected low 0 high ${nextOff[o.partition]}`)
    }
  }
  summary.high_watermarks_ok = true

  // 4. consume
  if (opts.consume) {
    const consumer = kafka.consumer({ groupId: `kbox-kjs-${run}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000 })
    toDisconnect.push(consumer)
    phase = 'consumer connect'
    await bounded(consumer.connect(), phase)
    phase = 'consumer subscribe'
    await bounded(consumer.subscribe({ topics: [topic], fromBeginning: true }), phase)
    const seen = new Uint8Array(opts.count)
    const lastI = new Array(opts.partitions).fill(-1)
    let consumed = 0
    let failure = null
    let resolveDone
    const done = new Promise((resolve) => { resolveDone = resolve })
    const check = (partition, message) => {
      const off = Number(message.offset)
      const [r, iStr] = String(message.value).split(':')
      const i = parseInt(iStr, 10)
      if (r !== run || !(i >= 0 && i < opts.count)) throw new Fail(`p${partition}@${off}: record ${message.value} is not from this run`)
      if (seen[i]) throw new Fail(`record ${i} read twice (again at p${partition}@${off})`)
      seen[i] = 1
      if (partition !== partOf.get(i) || off !== offOf.get(i)) {
        throw new Fail(`record ${i} read at p${partition}@${off}, produced to p${partOf.get(i)}@${offOf.get(i)}`)
      }
      if (i <= lastI[partition]) throw new Fail(`p${partition}@${off}: record ${i} after record ${lastI[partition]}`)
      lastI[partition] = i
      if (String(message.key) !== `k${i % 100}`) throw new Fail(`record ${i} has key ${message.key}`)
      consumed++
    }
    phase = 'consume'
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (failure) return
        try {
          for (const m of batch.messages) check(batch.partition, m)
        } catch (e) {
          failure = e
          resolveDone()
          return
        }
        if (consumed === opts.count) resolveDone()
      }
    })
    try {
      await bounded(done, `consume (${consumed} of ${opts.count} read so far)`)
    } catch (e) {
      if (e instanceof Fail) throw new Fail(`${e.message}; read ${consumed} of ${opts.count}`)
      throw e
    }
    if (failure) throw failure
    summary.consumed = consumed
  } else {
    summary.consumed = 'skipped'
  }
  summary.elapsed_s = Math.round((Date.now() - started) / 10) / 100
  return summary
}

async function disconnectAll () {
  await Promise.all(toDisconnect.reverse().map((c) => {
    let timer
    const t = new Promise((resolve) => { timer = setTimeout(resolve, 5000) })
    return Promise.race([c.disconnect().catch((e) => log(`disconnect: ${e.message}`)), t]).finally(() => clearTimeout(timer))
  }))
}

main().then(async (summary) => {
  await disconnectAll()
  process.stdout.write(JSON.stringify(summary) + '\n', () => process.exit(0))
}, async (err) => {
  if (err instanceof Fail) log(`FAIL: ${err.message}`)
  else log(`FAIL: ${phase}: ${err && err.name}: ${err && err.message}${opts.debug && err && err.stack ? '\n' + err.stack : ''}`)
  await disconnectAll()
  process.exit(1)
})
