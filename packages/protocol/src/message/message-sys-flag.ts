/** MessageSysFlag bits of a stored record's sysFlag and of the send header's. */
export const MessageSysFlag = {
  COMPRESSED_FLAG: 0x1,
  MULTI_TAGS_FLAG: 0x2,
  TRANSACTION_NOT_TYPE: 0x0,
  TRANSACTION_PREPARED_TYPE: 0x4,
  TRANSACTION_COMMIT_TYPE: 0x8,
  TRANSACTION_ROLLBACK_TYPE: 0xc,
  BORNHOST_V6_FLAG: 0x10,
  STOREHOSTADDRESS_V6_FLAG: 0x20,
  NEED_UNWRAP_FLAG: 0x40,
  INNER_BATCH_FLAG: 0x80,
  COMPRESSION_TYPE_MASK: 0x700,
  COMPRESSION_LZ4_TYPE: 0x100,
  COMPRESSION_ZSTD_TYPE: 0x200,
  COMPRESSION_ZLIB_TYPE: 0x300,
} as const;

/** The transaction type bits (0, 4, 8 or 12). */
export function transactionType(sysFlag: number): number {
  return sysFlag & 0xc;
}

/**
 * Does a record with this sysFlag take a queue offset, and so a ConsumeQueue entry? A plain
 * message or a committed transactional one does; a half (prepared) or rolled-back one does not.
 */
export function takesQueueOffset(sysFlag: number): boolean {
  const type = transactionType(sysFlag);
  return type === MessageSysFlag.TRANSACTION_NOT_TYPE || type === MessageSysFlag.TRANSACTION_COMMIT_TYPE;
}
