import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  Get,
  Header,
  Inject,
  Param,
  Post,
  Query,
  Redirect,
  Req,
  UseGuards,
  type Type,
} from '@nestjs/common';
import { groupNameProblem, topicNameProblem } from '@rocketnest/protocol';
import type { DashboardMount } from './dashboard.module-definition.js';
import { DashboardService } from './dashboard.service.js';
import { html } from './html.js';
import { clusterPage } from './pages/cluster-page.js';
import { deadLettersPage, groupPage, groupsPage } from './pages/group-pages.js';
import { page } from './pages/layout.js';
import { messagePage, messagesPage, type MessageQuery } from './pages/message-pages.js';
import { topicPage, topicsPage } from './pages/topic-pages.js';

/** What the console reads of a request, whatever the HTTP platform. */
interface PageRequest {
  originalUrl?: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

const HTML = 'text/html; charset=utf-8';

/**
 * The console's pages and actions. Pages link relative to the console's root, found from the
 * request's URL and the route's depth, so it works under any mount path and global prefix.
 */
export class DashboardController {
  // Injected by token: the mounted subclass, not this class, carries the @Controller decorator.
  constructor(@Inject(DashboardService) private readonly dashboard: DashboardService) {}

  @Get()
  @Header('content-type', HTML)
  async cluster(@Req() request: PageRequest, @Query('done') done?: string): Promise<string> {
    return this.page('Cluster', request, 0, done, async () =>
      clusterPage(await this.dashboard.brokers(), this.dashboard.brokerHistory),
    );
  }

  @Get('topics')
  @Header('content-type', HTML)
  topics(@Req() request: PageRequest, @Query('done') done?: string): Promise<string> {
    return this.page('Topics', request, 1, done, async () => topicsPage(await this.dashboard.topics()));
  }

  @Post('topics')
  @Redirect()
  async createTopic(@Req() request: PageRequest, @Body() form: Record<string, string>) {
    const topic = checkedTopic(form['topic']);
    await this.dashboard.admin.createTopic(topic, { queueNums: queueCount(form['queues']) });
    return back(request, 1, `topics/${encodeURIComponent(topic)}`, `created ${topic}`);
  }

  @Get('topics/:topic')
  @Header('content-type', HTML)
  topic(@Req() request: PageRequest, @Param('topic') topic: string, @Query('done') done?: string): Promise<string> {
    checkedTopic(topic);
    return this.page(`Topic ${topic}`, request, 2, done, async () =>
      topicPage(
        topic,
        await this.dashboard.admin.topicRoute(topic),
        await this.dashboard.admin.topicStats(topic),
        await this.dashboard.consumersOf(topic),
      ),
    );
  }

  @Post('topics/:topic/update')
  @Redirect()
  async updateTopic(@Req() request: PageRequest, @Param('topic') topic: string, @Body() form: Record<string, string>) {
    const perm = Number(form['perm']);
    if (![2, 4, 6].includes(perm)) throw new BadRequestException('perm must be 2, 4 or 6');
    await this.dashboard.admin.createTopic(checkedTopic(topic), { queueNums: queueCount(form['queues']), perm });
    return back(request, 3, `topics/${encodeURIComponent(topic)}`, `updated ${topic}`);
  }

  @Post('topics/:topic/delete')
  @Redirect()
  async deleteTopic(@Req() request: PageRequest, @Param('topic') topic: string) {
    await this.dashboard.admin.deleteTopic(checkedTopic(topic));
    return back(request, 3, 'topics', `deleted ${topic}`);
  }

  @Post('topics/:topic/send')
  @Redirect()
  async send(@Req() request: PageRequest, @Param('topic') topic: string, @Body() form: Record<string, string>) {
    const msgId = await this.dashboard.send(checkedTopic(topic), form['body'] ?? '', form['tags'], form['keys']);
    return back(
      request,
      3,
      `messages/${encodeURIComponent(msgId)}?topic=${encodeURIComponent(topic)}`,
      `sent ${msgId}`,
    );
  }

  @Get('groups')
  @Header('content-type', HTML)
  groups(@Req() request: PageRequest, @Query('done') done?: string): Promise<string> {
    return this.page('Consumer groups', request, 1, done, async () =>
      groupsPage(await this.dashboard.groups(), this.dashboard.lagHistory),
    );
  }

  @Get('groups/:group')
  @Header('content-type', HTML)
  group(@Req() request: PageRequest, @Param('group') group: string, @Query('done') done?: string): Promise<string> {
    checkedGroup(group);
    return this.page(`Consumer group ${group}`, request, 2, done, async () =>
      groupPage(group, await this.dashboard.group(group), this.dashboard.lagHistory.get(group) ?? []),
    );
  }

  @Post('groups/:group/reset')
  @Redirect()
  async reset(@Req() request: PageRequest, @Param('group') group: string, @Body() form: Record<string, string>) {
    const when = Date.parse(form['time'] ?? '');
    if (Number.isNaN(when)) throw new BadRequestException('time must be a date and time');
    const reset = await this.dashboard.admin.resetOffsetByTimestamp(
      checkedGroup(group),
      checkedTopic(form['topic']),
      when,
    );
    return back(request, 3, `groups/${encodeURIComponent(group)}`, `reset ${reset.length} queues of ${form['topic']}`);
  }

  @Get('groups/:group/dlq')
  @Header('content-type', HTML)
  deadLetters(
    @Req() request: PageRequest,
    @Param('group') group: string,
    @Query('done') done?: string,
  ): Promise<string> {
    checkedGroup(group);
    return this.page(`Dead letters of ${group}`, request, 3, done, async () =>
      deadLettersPage(group, await this.dashboard.deadLetters(group)),
    );
  }

  @Post('groups/:group/dlq/resend')
  @Redirect()
  async resend(
    @Req() request: PageRequest,
    @Param('group') group: string,
    @Body() form: Record<string, string | string[]>,
  ) {
    const ids = ([] as string[]).concat(form['msgId'] ?? []);
    if (ids.length === 0) throw new BadRequestException('select the dead letters to resend');
    let resent = 0;
    for (const id of ids) resent += await this.dashboard.admin.resendDeadLetter(checkedGroup(group), id);
    return back(request, 4, `groups/${encodeURIComponent(group)}/dlq`, `resent ${resent} of ${ids.length} to ${group}`);
  }

  @Get('messages')
  @Header('content-type', HTML)
  messages(@Req() request: PageRequest, @Query() query: MessageQuery): Promise<string> {
    return this.page('Messages', request, 1, undefined, async () => messagesPage(query, await this.search(query)));
  }

  @Get('messages/:id')
  @Header('content-type', HTML)
  message(
    @Req() request: PageRequest,
    @Param('id') id: string,
    @Query('topic') topic?: string,
    @Query('done') done?: string,
  ): Promise<string> {
    return this.page(`Message ${id}`, request, 2, done, async () => {
      const message = await this.dashboard.message(id, topic ? checkedTopic(topic) : undefined);
      if (!message)
        return html`<p class="error">
          No message ${id}${topic ? ` in ${topic}` : ''}: give its topic with a unique id, or its offset message id.
        </p>`;
      return messagePage(message, await this.dashboard.trace(message.msgId));
    });
  }

  private async search(query: MessageQuery) {
    const topic = query.topic ? checkedTopic(query.topic) : undefined;
    if (query.id) {
      const found = await this.dashboard.message(query.id.trim(), topic);
      return found ? [found] : [];
    }
    if (!topic) return undefined;
    if (query.key) return this.dashboard.admin.queryMessageByKey(topic, query.key.trim());
    const begin = query.begin ? Date.parse(query.begin) : 0;
    const end = query.end ? Date.parse(query.end) : Date.now();
    return this.dashboard.recentMessages(topic, 100, begin || 0, end || Date.now());
  }

  /** A page, or the same page saying what went wrong when the cluster refused or did not answer. */
  private async page(
    title: string,
    request: PageRequest,
    depth: number,
    done: string | undefined,
    body: () => Promise<ReturnType<typeof html>>,
  ): Promise<string> {
    const base = baseOf(request, depth);
    try {
      return page(title, base, await body(), done ? { ok: true, text: done } : undefined);
    } catch (error) {
      if (error instanceof BadRequestException) throw error;
      return page(title, base, html``, {
        ok: false,
        text: `The cluster could not answer: ${(error as Error).message}`,
      });
    }
  }
}

/** The controller class at a mount point: the console's routes under its path, behind its guards. */
export function mountedController(mount: DashboardMount): Type {
  @Controller(mount.path ?? 'rocketmq')
  @UseGuards(SameOriginGuard, ...(mount.guards ?? []))
  class MountedDashboardController extends DashboardController {}
  return MountedDashboardController;
}

/** The console's root URL path, from the request's path and how deep the route is under it. */
function baseOf(request: PageRequest, depth: number): string {
  const path = (request.originalUrl ?? request.url).split('?')[0]!.replace(/\/+$/, '');
  const segments = path.split('/');
  return `${segments.slice(0, segments.length - depth).join('/')}/`;
}

/**
 * Actions come from the console's own pages only: a form posted from another site (with the
 * user's cookies) is refused before anything is done.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<PageRequest & { method: string }>();
    if (request.method === 'GET' || request.method === 'HEAD') return true;
    const origin = request.headers['origin'];
    const host = request.headers['host'];
    if (typeof origin === 'string' && origin !== 'null' && host && new URL(origin).host !== host) {
      throw new ForbiddenException('the console takes actions from its own pages only');
    }
    return true;
  }
}

/** Where an action sends the browser: a page of the console, saying what was done. */
function back(request: PageRequest, depth: number, to: string, done: string): { url: string; statusCode: number } {
  const separator = to.includes('?') ? '&' : '?';
  return { url: `${baseOf(request, depth)}${to}${separator}done=${encodeURIComponent(done)}`, statusCode: 303 };
}

function checkedTopic(topic: string | undefined): string {
  const problem = topicNameProblem(topic ?? '');
  if (problem) throw new BadRequestException(`topic: ${problem}`);
  return topic!;
}

function checkedGroup(group: string): string {
  const problem = groupNameProblem(group);
  if (problem) throw new BadRequestException(`group: ${problem}`);
  return group;
}

function queueCount(text: string | undefined): number {
  const count = Number(text ?? 8);
  if (!Number.isInteger(count) || count < 1 || count > 1024)
    throw new BadRequestException('queues must be a whole number from 1 to 1024');
  return count;
}
