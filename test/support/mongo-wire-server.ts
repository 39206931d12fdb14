/**
 * A small in-memory MongoDB wire-protocol server for tests, so the real `mongodb` driver can be
 * exercised where no MongoDB server can be installed. It speaks OP_MSG (and answers the legacy
 * OP_QUERY hello the driver may open with) and implements only what functions/shared/findings-store
 * uses: hello/ping/buildInfo/endSessions, insert, update (upsert, $set, $setOnInsert, $inc, $push
 * with $each/$slice), find (equality, $in, $nin, $ne, $eq, $exists, projection, limit), getMore/killCursors, delete,
 * createIndexes, listIndexes, drop/dropDatabase. `stop()` makes it go away mid-run.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { EJSON, Long, deserialize, serialize, type Document } from "bson";

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;

type Collection = Map<string, Document>;

export interface MongoWireServer {
  readonly uri: string;
  readonly port: number;
  /** Stored documents of a collection (deep copies). */
  documents(db: string, collection: string): Document[];
  /** Closes the listener and every open connection: the server "goes away". */
  stop(): Promise<void>;
}

function clone<T extends Document>(doc: T): T {
  return deserialize(serialize(doc)) as T;
}

function key(value: unknown): string {
  return EJSON.stringify(value as Document, { relaxed: false });
}

function getPath(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Document)[part];
  }
  return value;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split(".");
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    if (target[part] === undefined || target[part] === null || typeof target[part] !== "object") target[part] = {};
    target = target[part] as Document;
  }
  target[parts[parts.length - 1]!] = value;
}

function equal(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && !Array.isArray(b)) return a.some((item) => equal(item, b));
  return key({ v: a }) === key({ v: b });
}

function isOperatorObject(value: unknown): value is Document {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date) && Object.keys(value).length > 0 && Object.keys(value).every((k) => k.startsWith("$"));
}

const keySets = new WeakMap<unknown[], Set<string>>();
/** `$in` / `$nin` membership with the operand's keys computed once per query. */
function inList(value: unknown, list: unknown[]): boolean {
  let set = keySets.get(list);
  if (!set) keySets.set(list, (set = new Set(list.map((v) => key({ v })))));
  if (Array.isArray(value)) return value.some((item) => set.has(key({ v: item })));
  return set.has(key({ v: value }));
}

function matches(doc: Document, filter: Document): boolean {
  for (const [field, condition] of Object.entries(filter)) {
    const value = getPath(doc, field);
    if (isOperatorObject(condition)) {
      for (const [op, arg] of Object.entries(condition)) {
        if (op === "$in" && !inList(value, arg as unknown[])) return false;
        if (op === "$nin" && inList(value, arg as unknown[])) return false;
        if (op === "$ne" && equal(value, arg)) return false;
        if (op === "$eq" && !equal(value, arg)) return false;
        if (op === "$exists" && (value !== undefined) !== Boolean(arg)) return false;
        if (!["$in", "$nin", "$ne", "$eq", "$exists"].includes(op)) throw new CommandError(2, `Unsupported query operator ${op}`);
      }
    } else if (!equal(value, condition)) {
      return false;
    }
  }
  return true;
}

function project(doc: Document, projection: Document | undefined): Document {
  if (!projection || Object.keys(projection).length === 0) return doc;
  const entries = Object.entries(projection);
  const including = entries.some(([k, v]) => k !== "_id" && Boolean(v));
  if (including) {
    const out: Document = {};
    if (projection._id !== 0 && projection._id !== false) out._id = doc._id;
    for (const [k, v] of entries) if (k !== "_id" && v && getPath(doc, k) !== undefined) setPath(out, k, getPath(doc, k));
    return out;
  }
  const out: Document = { ...doc };
  for (const [k, v] of entries) if (!v) delete out[k];
  return out;
}

class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

function applyUpdate(doc: Document, update: Document, inserting: boolean): void {
  if (!Object.keys(update).every((k) => k.startsWith("$"))) {
    // Replacement document.
    const id = doc._id;
    for (const k of Object.keys(doc)) delete doc[k];
    Object.assign(doc, clone(update), { _id: id });
    return;
  }
  for (const [op, fields] of Object.entries(update)) {
    for (const [path, arg] of Object.entries(fields as Document)) {
      switch (op) {
        case "$set":
          setPath(doc, path, arg);
          break;
        case "$setOnInsert":
          if (inserting) setPath(doc, path, arg);
          break;
        case "$unset":
          delete doc[path];
          break;
        case "$inc":
          setPath(doc, path, ((getPath(doc, path) as number | undefined) ?? 0) + (arg as number));
          break;
        case "$push": {
          const current = (getPath(doc, path) as unknown[] | undefined) ?? [];
          const spec = arg as Document;
          const each = isOperatorObject(spec) && "$each" in spec ? (spec.$each as unknown[]) : [arg];
          let next = [...current, ...each];
          if (isOperatorObject(spec) && typeof spec.$slice === "number") next = spec.$slice < 0 ? next.slice(spec.$slice) : next.slice(0, spec.$slice);
          setPath(doc, path, next);
          break;
        }
        default:
          throw new CommandError(9, `Unsupported update operator ${op}`);
      }
    }
  }
}

export async function startMongoWireServer(): Promise<MongoWireServer> {
  const databases = new Map<string, Map<string, Collection>>();
  const indexes = new Map<string, Document[]>();
  const sockets = new Set<Socket>();
  let connectionId = 0;
  // Open cursors: results are returned in batches, like a real server (which caps a reply at 16 MB).
  const cursors = new Map<string, { docs: Document[]; ns: string }>();
  let nextCursorId = 1;
  const DEFAULT_BATCH = 500;
  const batch = (docs: Document[], ns: string, size: unknown, field: "firstBatch" | "nextBatch", cursorId?: string): Document => {
    const limit = Number(size) > 0 ? Number(size) : DEFAULT_BATCH;
    const out = docs.slice(0, limit);
    const rest = docs.slice(limit);
    let id = Long.fromNumber(0);
    if (rest.length > 0) {
      const key = cursorId ?? String(nextCursorId++);
      cursors.set(key, { docs: rest, ns });
      id = Long.fromString(key);
    } else if (cursorId) cursors.delete(cursorId);
    return { cursor: { [field]: out, id, ns }, ok: 1 };
  };

  const collection = (db: string, name: string): Collection => {
    let collections = databases.get(db);
    if (!collections) databases.set(db, (collections = new Map()));
    let coll = collections.get(name);
    if (!coll) collections.set(name, (coll = new Map()));
    return coll;
  };

  /** Candidates for a filter: direct lookups when it pins `_id` (equality or $in), else every document. */
  const candidates = (coll: Collection, filter: Document): Document[] => {
    const id = filter._id;
    if (id !== undefined && !isOperatorObject(id)) return [coll.get(key({ v: id }))].filter((d): d is Document => d !== undefined);
    if (isOperatorObject(id) && Object.keys(id).length === 1 && Array.isArray(id.$in)) {
      return [...new Set((id.$in as unknown[]).map((v) => key({ v })))].map((k) => coll.get(k)).filter((d): d is Document => d !== undefined);
    }
    return [...coll.values()];
  };

  const hello = (id: number): Document => ({
    helloOk: true,
    ismaster: true,
    isWritablePrimary: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: id,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  });

  const run = (body: Document, id: number): Document => {
    const name = Object.keys(body)[0]!;
    const db = (body.$db as string | undefined) ?? "admin";
    switch (name.toLowerCase()) {
      case "hello":
      case "ismaster":
        return hello(id);
      case "ping":
      case "endsessions":
        return { ok: 1 };
      case "buildinfo":
        return { version: "7.0.0", versionArray: [7, 0, 0, 0], maxBsonObjectSize: 16 * 1024 * 1024, ok: 1 };
      case "insert": {
        const coll = collection(db, body.insert as string);
        const writeErrors: Document[] = [];
        let n = 0;
        (body.documents as Document[]).forEach((doc, index) => {
          const k = key({ v: doc._id });
          if (coll.has(k)) writeErrors.push({ index, code: 11000, errmsg: `E11000 duplicate key error collection: ${db}.${body.insert as string} dup key: { _id: ${k} }` });
          else {
            coll.set(k, clone(doc));
            n++;
          }
        });
        return writeErrors.length ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
      }
      case "update": {
        const coll = collection(db, body.update as string);
        let n = 0;
        let nModified = 0;
        const upserted: Document[] = [];
        (body.updates as Document[]).forEach((spec, index) => {
          const q = (spec.q as Document) ?? {};
          const targets = candidates(coll, q).filter((doc) => matches(doc, q));
          const selected = spec.multi ? targets : targets.slice(0, 1);
          if (selected.length === 0 && spec.upsert) {
            const doc: Document = {};
            for (const [field, value] of Object.entries(q)) if (!field.startsWith("$") && !isOperatorObject(value)) setPath(doc, field, value);
            applyUpdate(doc, spec.u as Document, true);
            if (doc._id === undefined) throw new CommandError(2, "upsert without _id is not supported by the test server");
            coll.set(key({ v: doc._id }), clone(doc));
            upserted.push({ index, _id: doc._id });
            n++;
            return;
          }
          for (const doc of selected) {
            const before = key(doc);
            applyUpdate(doc, spec.u as Document, false);
            n++;
            if (key(doc) !== before) nModified++;
          }
        });
        return upserted.length ? { n, nModified, upserted, ok: 1 } : { n, nModified, ok: 1 };
      }
      case "delete": {
        const coll = collection(db, body.delete as string);
        let n = 0;
        for (const spec of body.deletes as Document[]) {
          for (const [k, doc] of [...coll.entries()]) {
            if (matches(doc, spec.q as Document)) {
              coll.delete(k);
              n++;
              if (spec.limit === 1) break;
            }
          }
        }
        return { n, ok: 1 };
      }
      case "find": {
        const coll = collection(db, body.find as string);
        const filter = (body.filter as Document) ?? {};
        let docs = candidates(coll, filter).filter((doc) => matches(doc, filter));
        const limit = Number(body.limit ?? 0);
        if (limit > 0) docs = docs.slice(0, limit);
        const projected = docs.map((doc) => project(clone(doc), body.projection as Document | undefined));
        return batch(projected, `${db}.${body.find as string}`, body.batchSize, "firstBatch");
      }
      case "getmore": {
        const id = String(body.getMore);
        const open = cursors.get(id);
        if (!open) throw new CommandError(43, `cursor id ${id} not found`);
        return batch(open.docs, open.ns, body.batchSize, "nextBatch", id);
      }
      case "killcursors": {
        const ids = ((body.cursors as unknown[]) ?? []).map(String);
        for (const id of ids) cursors.delete(id);
        return { cursorsKilled: ids, cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
      }
      case "createindexes": {
        const ns = `${db}.${body.createIndexes as string}`;
        collection(db, body.createIndexes as string);
        const existing = indexes.get(ns) ?? [{ v: 2, key: { _id: 1 }, name: "_id_" }];
        const before = existing.length;
        for (const spec of body.indexes as Document[]) {
          const same = existing.find((i) => i.name === spec.name);
          if (same && key(same.key) !== key(spec.key)) throw new CommandError(86, `Index ${spec.name as string} already exists with a different key`);
          if (!same) existing.push({ v: 2, ...spec });
        }
        indexes.set(ns, existing);
        return { numIndexesBefore: before, numIndexesAfter: existing.length, createdCollectionAutomatically: before === 1, ok: 1 };
      }
      case "listindexes": {
        const ns = `${db}.${body.listIndexes as string}`;
        return { cursor: { firstBatch: indexes.get(ns) ?? [{ v: 2, key: { _id: 1 }, name: "_id_" }], id: Long.fromNumber(0), ns }, ok: 1 };
      }
      case "drop":
        databases.get(db)?.delete(body.drop as string);
        indexes.delete(`${db}.${body.drop as string}`);
        return { ok: 1 };
      case "dropdatabase":
        databases.delete(db);
        for (const ns of [...indexes.keys()]) if (ns.startsWith(`${db}.`)) indexes.delete(ns);
        return { ok: 1 };
      default:
        throw new CommandError(59, `no such command: '${name}'`);
    }
  };

  const answer = (body: Document, id: number): Document => {
    try {
      return run(body, id);
    } catch (error) {
      const e = error as CommandError;
      return { ok: 0, errmsg: e.message, code: e.code ?? 1, codeName: "TestServerError" };
    }
  };

  const header = (length: number, requestId: number, responseTo: number, opCode: number): Buffer => {
    const h = Buffer.alloc(16);
    h.writeInt32LE(length, 0);
    h.writeInt32LE(requestId, 4);
    h.writeInt32LE(responseTo, 8);
    h.writeInt32LE(opCode, 12);
    return h;
  };

  let nextRequestId = 1;
  const handle = (socket: Socket, message: Buffer, id: number): void => {
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_MSG) {
      const flags = message.readUInt32LE(16);
      const end = flags & 1 ? message.length - 4 : message.length;
      let offset = 20;
      let body: Document = {};
      while (offset < end) {
        const kind = message.readUInt8(offset++);
        if (kind === 0) {
          const size = message.readInt32LE(offset);
          body = { ...deserialize(message.subarray(offset, offset + size)), ...body };
          offset += size;
        } else {
          const size = message.readInt32LE(offset);
          const sectionEnd = offset + size;
          let p = offset + 4;
          const nameEnd = message.indexOf(0, p);
          const identifier = message.toString("utf8", p, nameEnd);
          p = nameEnd + 1;
          const docs: Document[] = [];
          while (p < sectionEnd) {
            const docSize = message.readInt32LE(p);
            docs.push(deserialize(message.subarray(p, p + docSize)));
            p += docSize;
          }
          body[identifier] = docs;
          offset = sectionEnd;
        }
      }
      const reply = serialize(answer(body, id));
      const payload = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from([0]), reply]);
      socket.write(Buffer.concat([header(16 + payload.length, nextRequestId++, requestId, OP_MSG), payload]));
    } else if (opCode === OP_QUERY) {
      let p = 20;
      const nameEnd = message.indexOf(0, p);
      const ns = message.toString("utf8", p, nameEnd);
      p = nameEnd + 1 + 8;
      const size = message.readInt32LE(p);
      let query = deserialize(message.subarray(p, p + size));
      if (query.$query) query = query.$query as Document;
      const reply = serialize(answer({ ...query, $db: ns.split(".")[0] }, id));
      const payload = Buffer.alloc(20);
      payload.writeInt32LE(8, 0); // AwaitCapable
      payload.writeBigInt64LE(0n, 4);
      payload.writeInt32LE(0, 12);
      payload.writeInt32LE(1, 16);
      socket.write(Buffer.concat([header(16 + payload.length + reply.length, nextRequestId++, requestId, OP_REPLY), payload, reply]));
    } else {
      socket.destroy();
    }
  };

  const server: Server = createServer((socket) => {
    const id = ++connectionId;
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readInt32LE(0);
        if (buffered.length < length) break;
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        handle(socket, message, id);
      }
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    port,
    documents: (db, name) => [...(databases.get(db)?.get(name)?.values() ?? [])].map((d) => clone(d)),
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** A TCP proxy in front of a MongoDB server (this one or a real one), so a test can make it go away and come back (same `port`). */
export async function startTcpProxy(target: string, port = 0): Promise<{ uri: string; port: number; stop(): Promise<void> }> {
  const [host, targetPort] = new URL(target.replace(/^mongodb(\+srv)?:/, "http:")).host.split(":");
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(targetPort ?? 27017), host!);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const listening = (server.address() as AddressInfo).port;
  const auth = new URL(target.replace(/^mongodb:/, "http:"));
  const credentials = auth.username ? `${auth.username}:${auth.password}@` : "";
  return {
    uri: `mongodb://${credentials}127.0.0.1:${listening}/?directConnection=true`,
    port: listening,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

