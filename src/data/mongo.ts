// The MongoDB connection and the indexes the platform relies on.
// Only queries that work on both MongoDB and FerretDB v1 are used anywhere in data/.
import { MongoClient, type Db } from 'mongodb'

/** An open database handle and the client that owns it. */
export interface Database {
  client: MongoClient
  db: Db
  close(): Promise<void>
}

/** Connects to a MongoDB-wire server and fails fast when it is not there. */
export async function connect(url: string, dbName: string): Promise<Database> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000, maxPoolSize: 20 })
  await client.connect()
  const db = client.db(dbName)
  return { client, db, close: () => client.close() }
}

/** Creates the indexes every query of the platform needs (idempotent). */
export async function ensureIndexes(db: Db): Promise<void> {
  await Promise.all([
    db.collection('users').createIndex({ email: 1 }, { unique: true }),
    db.collection('sessions').createIndex({ userId: 1 }),
    db.collection('tokens').createIndex({ hash: 1 }, { unique: true }),
    db.collection('tokens').createIndex({ userId: 1 }),
    db.collection('apps').createIndex({ slug: 1 }, { unique: true }),
    db.collection('apps').createIndex({ ownerId: 1, updatedAt: -1 }),
    db.collection('app_versions').createIndex({ appId: 1, version: -1 }, { unique: true }),
    db.collection('deploy_events').createIndex({ appId: 1, at: -1 }),
    db.collection('request_logs').createIndex({ appId: 1, at: -1 }),
    db.collection('app_logs').createIndex({ appId: 1, at: -1 }),
    db.collection('app_logs').createIndex({ requestId: 1 }),
    db.collection('run_queue').createIndex({ status: 1, nextAttemptAt: 1 }),
    db.collection('run_queue').createIndex({ appId: 1, createdAt: -1 }),
    db.collection('runs').createIndex({ appId: 1, createdAt: -1 }),
    db.collection('templates').createIndex({ name: 1 }, { unique: true }),
    db.collection('templates').createIndex({ ownerId: 1 }),
    db.collection('templates').createIndex({ published: 1 }),
  ])
}

/** True when the server answers a ping. */
export async function ping(db: Db): Promise<boolean> {
  try {
    await db.command({ ping: 1 })
    return true
  } catch {
    return false
  }
}
