// The embedded event log: Kafka's role in one process, fed from a JSON Lines file. Records keep
// their value exactly as read, get gap-free offsets, and are read by offset in bounded batches, so
// the posting and audit steps consume it as they would a Kafka partition: decode, validate, act.
import { KeelError } from '../platform/errors.js';
import { readFileLines } from '../platform/line-file.js';
import { engine_error_codes } from './engine-errors.js';
import { event_length_max } from './event-decode.js';

export type LogValue = Buffer | string;
export type LogRecord = { offset: number; value: LogValue };

/** Records per read: the batch size a consumer gets, like one fetch from Kafka. */
export const log_batch_records_max = 8_189;
const log_records_max = 50_000_000;

export class InProcessEventLog {
  private readonly records: LogValue[] = [];

  static async fromFile(file_path: string): Promise<InProcessEventLog> {
    const log = new InProcessEventLog();
    for await (const read of readFileLines(file_path, event_length_max)) {
      // Like a Kafka producer refusing an oversized message: the line never enters the log.
      if (!read.ok)
        throw new KeelError(engine_error_codes.event_malformed, `${file_path} line ${read.line}: ${read.reason}`);
      if (read.text.trim().length > 0) log.append(read.text);
    }
    return log;
  }

  append(value: LogValue): number {
    if (this.records.length >= log_records_max) {
      throw new KeelError(engine_error_codes.log_full, `the in-process log holds at most ${log_records_max} records`);
    }
    this.records.push(value);
    return this.records.length - 1;
  }

  /** The offset the next record will get: a consumer at this offset has read everything. */
  get end_offset(): number {
    return this.records.length;
  }

  read(from_offset: number, records_max = log_batch_records_max): LogRecord[] {
    if (!Number.isInteger(from_offset) || from_offset < 0)
      throw new RangeError(`offset ${from_offset} is not a log offset`);
    const end = Math.min(this.records.length, from_offset + Math.min(records_max, log_batch_records_max));
    const batch: LogRecord[] = [];
    for (let offset = from_offset; offset < end; offset += 1) batch.push({ offset, value: this.records[offset]! });
    return batch;
  }
}
