/** What a subscription selects: tags, or an SQL92 expression on properties the broker evaluates. */
export class MessageSelector {
  private constructor(
    readonly type: 'TAG' | 'SQL92',
    readonly expression: string,
  ) {}

  /** Messages whose properties make the expression TRUE (needs enablePropertyFilter=true on the broker). */
  static bySql(expression: string): MessageSelector {
    return new MessageSelector('SQL92', expression);
  }

  /** '*' or 'TagA || TagB'. */
  static byTag(expression: string): MessageSelector {
    return new MessageSelector('TAG', expression);
  }
}
