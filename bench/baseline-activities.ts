/** The bare-Temporal baseline's one activity: does nothing but hand its input back, like builtin.echo. */
export const baselineActivities = {
  async noop(args: { step: number }): Promise<{ step: number }> {
    return args;
  },
};

export type BaselineActivities = typeof baselineActivities;
