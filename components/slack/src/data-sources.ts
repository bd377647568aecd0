/**
 * Slack data sources: the choices a customer picks from after connecting.
 *
 * `channels` lists the workspace's conversations with `conversations.list`
 * (https://api.slack.com/methods/conversations.list) as a picklist of channel ids labelled `#name`, following
 * its cursor pagination (`response_metadata.next_cursor`, empty on the last page) up to {@link MAX_PAGES} pages
 * of 200, the page size Slack recommends. Archived channels are left out: nothing can be posted to them.
 */
import { dataSource, input, util, type Connection } from '@prismatic-io/spectral';

/** How a data source calls a Web API method: `call` of ./index (passed in, so the two modules form no cycle). */
export type SlackCall = (
  connection: Connection,
  method: string,
  request: { params?: Record<string, unknown> },
) => Promise<Record<string, unknown>>;

/** Pages of {@link PAGE_SIZE} read at most: 2,000 channels, more than a picklist can usefully show. */
export const MAX_PAGES = 10;
const PAGE_SIZE = 200;

interface SlackChannel {
  readonly id: string;
  readonly name: string;
}

function channelsOf(page: Record<string, unknown>): SlackChannel[] {
  const list = Array.isArray(page.channels) ? (page.channels as unknown[]) : [];
  return list.filter(
    (c): c is SlackChannel =>
      typeof c === 'object' &&
      c !== null &&
      typeof (c as Record<string, unknown>).id === 'string' &&
      typeof (c as Record<string, unknown>).name === 'string',
  );
}

function nextCursor(page: Record<string, unknown>): string {
  const meta = page.response_metadata;
  if (typeof meta !== 'object' || meta === null) return '';
  return util.types.toString((meta as Record<string, unknown>).next_cursor);
}

/** The component's data sources, calling Slack through `call`. */
export function slackDataSources(call: SlackCall) {
  return { channels: channelsDataSource(call) };
}

/** `channels`: a picklist of the workspace's channels (`{ key: id, label: "#name" }`). */
function channelsDataSource(call: SlackCall) {
  return dataSource({
    display: {
      label: 'Channels',
      description: 'Channels of the workspace to choose from (conversations.list), archived ones left out.',
    },
    dataSourceType: 'picklist',
    inputs: {
      connection: input({ label: 'Connection', type: 'connection', required: true }),
      types: input({
        label: 'Channel types',
        type: 'string',
        required: false,
        default: 'public_channel',
        comments: 'Comma-separated: public_channel, private_channel (needs groups:read), mpim, im.',
        clean: (value) => util.types.toString(value) || 'public_channel',
      }),
    },
    perform: async (_context, { connection, types }) => {
      const found: SlackChannel[] = [];
      let cursor = '';
      for (let page = 0; page < MAX_PAGES; page += 1) {
        const data = await call(connection, 'conversations.list', {
          params: { types, exclude_archived: true, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) },
        });
        found.push(...channelsOf(data));
        cursor = nextCursor(data);
        if (cursor === '') break;
      }
      return { result: found.map((c) => ({ key: c.id, label: `#${c.name}` })) };
    },
    examplePayload: {
      result: [
        { key: 'C012AB3CD', label: '#general' },
        { key: 'C061EG9T2', label: '#random' },
      ],
    },
  });
}
