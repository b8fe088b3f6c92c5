"""Web API methods of the local Slack server, one function per method name."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from bot.offline.slack_workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    SlackApiError,
    Workspace,
    paginate,
)

CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
CHANNEL_NAME_MAX = 80
TOPIC_MAX = 250
INVITE_MAX = 1000

Method = Callable[[Workspace, dict[str, Any], str], dict[str, Any]]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    """Register a function as the handler of Web API method `name`."""

    def register(fn: Method) -> Method:
        METHODS[name] = fn
        return fn

    return register


def _require(args: dict[str, Any], *names: str) -> None:
    if any(not args.get(n) for n in names):
        raise SlackApiError("invalid_arguments")


@method("auth.test")
def auth_test(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    return {
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": "Opsbot Local",
        "user": ws.users[BOT_USER_ID]["name"],
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


@method("chat.postMessage")
def chat_post_message(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    channel = ws.channel_id(args.get("channel"))
    if not (args.get("text") or args.get("blocks") or args.get("attachments")):
        raise SlackApiError("no_text")
    message = ws.post(channel, args)
    return {"channel": channel, "ts": message["ts"], "message": message}


@method("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    ws.channel_id(args.get("channel"))
    if args.get("user") not in ws.users:
        raise SlackApiError("user_not_found")
    if not (args.get("text") or args.get("blocks") or args.get("attachments")):
        raise SlackApiError("no_text")
    return {"message_ts": ws.next_ts()}


@method("chat.update")
def chat_update(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    channel = ws.channel_id(args.get("channel"))
    message = ws.find_message(channel, args.get("ts"))
    for key in ("text", "blocks", "attachments", "metadata"):
        if key in args:
            message[key] = args[key]
    message["edited"] = {"user": BOT_USER_ID, "ts": ws.next_ts()}
    return {
        "channel": channel,
        "ts": message["ts"],
        "text": message.get("text", ""),
        "message": copy.deepcopy(message),
    }


@method("chat.delete")
def chat_delete(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    channel = ws.channel_id(args.get("channel"))
    message = ws.find_message(channel, args.get("ts"))
    ws.history[channel].remove(message)
    return {"channel": channel, "ts": message["ts"]}


@method("chat.getPermalink")
def chat_get_permalink(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    channel = ws.channel_id(args.get("channel"))
    message = ws.find_message(channel, args.get("message_ts"))
    digits = message["ts"].replace(".", "")
    return {
        "channel": channel,
        "permalink": f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{digits}",
    }


@method("views.open")
def views_open(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    trigger = args.get("trigger_id") or args.get("interactivity_pointer")
    if not trigger:
        raise SlackApiError("invalid_arguments")
    if trigger in ws.expired_triggers:
        raise SlackApiError("expired_trigger_id")
    if not isinstance(args.get("view"), dict):
        raise SlackApiError("invalid_arguments")
    ws.expired_triggers.add(str(trigger))  # a trigger opens one view, like Slack
    return {"view": ws.make_view(args["view"])}


@method("views.update")
def views_update(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    view_id = args.get("view_id")
    if not view_id and args.get("external_id"):
        found = [v for v in ws.views.values() if v["external_id"] == args["external_id"]]
        view_id = found[0]["id"] if found else None
    if not view_id or view_id not in ws.views:
        raise SlackApiError("not_found")
    if args.get("hash") and args["hash"] != ws.views[view_id]["hash"]:
        raise SlackApiError("hash_conflict")
    if not isinstance(args.get("view"), dict):
        raise SlackApiError("invalid_arguments")
    return {"view": ws.make_view(args["view"], view_id=view_id)}


@method("views.publish")
def views_publish(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    if args.get("user_id") not in ws.users:
        raise SlackApiError("user_not_found")
    if not isinstance(args.get("view"), dict):
        raise SlackApiError("invalid_arguments")
    return {"view": ws.make_view({"type": "home", **args["view"]})}


@method("users.info")
def users_info(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    return {"user": _copy_of(ws.users, args.get("user"), "user_not_found")}


@method("users.lookupByEmail")
def users_lookup_by_email(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    email = str(args.get("email") or "").lower()
    for user in ws.users.values():
        if str(user["profile"].get("email", "")).lower() == email and email:
            return {"user": copy.deepcopy(user)}
    raise SlackApiError("users_not_found")


@method("users.list")
def users_list(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    members, cursor = paginate(list(ws.users.values()), args)
    return {"members": members, "cache_ts": 1_700_000_000, "response_metadata": _meta(cursor)}


@method("conversations.info")
def conversations_info(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    return {"channel": _copy_of(ws.channels, args.get("channel"), "channel_not_found")}


def _copy_of(table: dict[str, dict[str, Any]], key: object, error: str) -> dict[str, Any]:
    """Return a copy of the row stored at `key` (callers may change it), or raise `error`."""
    row = table.get(str(key))
    if row is None:
        raise SlackApiError(error)
    return copy.deepcopy(row)


@method("conversations.list")
def conversations_list(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    types = str(args.get("types") or "public_channel").split(",")
    wanted = [
        c
        for c in ws.channels.values()
        if ("public_channel" in types and c.get("is_channel"))
        or ("private_channel" in types and c.get("is_group"))
        or ("im" in types and c.get("is_im"))
        or ("mpim" in types and c.get("is_mpim"))
    ]
    channels, cursor = paginate(wanted, args)
    return {"channels": channels, "response_metadata": _meta(cursor)}


@method("conversations.open")
def conversations_open(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    users = [u for u in str(args.get("users") or "").split(",") if u]
    if not users:
        raise SlackApiError("users_list_not_supplied")
    return {"channel": {"id": ws.open_dm(users)}}


@method("usergroups.users.list")
def usergroups_users_list(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    group = ws.usergroups.get(str(args.get("usergroup")))
    if group is None:
        raise SlackApiError("no_such_subteam")
    return {"users": list(group["users"])}


@method("reactions.add")
def reactions_add(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    _require(args, "name", "timestamp")
    message = ws.find_message(ws.channel_id(args.get("channel")), args["timestamp"])
    reactions = message.setdefault("reactions", [])
    for reaction in reactions:
        if reaction["name"] == args["name"]:
            if BOT_USER_ID in reaction["users"]:
                raise SlackApiError("already_reacted")
            reaction["users"].append(BOT_USER_ID)
            reaction["count"] += 1
            return {}
    reactions.append({"name": args["name"], "users": [BOT_USER_ID], "count": 1})
    return {}


@method("files.getUploadURLExternal")
def files_get_upload_url(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    _require(args, "filename", "length")
    file_id = ws.next_id("F")
    ws.files[file_id] = {
        "id": file_id,
        "name": args["filename"],
        "title": args["filename"],
        "size": int(args["length"]),
        "content": None,
        "user": BOT_USER_ID,
    }
    return {"upload_url": f"{base}/upload/v1/{file_id}", "file_id": file_id}


@method("files.completeUploadExternal")
def files_complete_upload(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    entries = args.get("files")
    if isinstance(entries, str):
        entries = json.loads(entries)
    if not entries:
        raise SlackApiError("invalid_arguments")
    done = []
    for entry in entries:
        stored = ws.files.get(entry.get("id", ""))
        if stored is None or stored["content"] is None:
            raise SlackApiError("file_not_found")
        stored["title"] = entry.get("title") or stored["name"]
        done.append({k: v for k, v in stored.items() if k != "content"})
    channel_ref = args.get("channel_id") or args.get("channels")
    if channel_ref:
        channel = ws.channel_id(str(channel_ref).split(",")[0])
        share = {"text": args.get("initial_comment") or "", "files": done}
        ws.post(channel, {**share, "thread_ts": args.get("thread_ts")})
    return {"files": copy.deepcopy(done)}


@method("conversations.history")
def conversations_history(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    """conversations.history as Slack answers it (newest first, metadata when asked)."""
    channel = ws.channel_id(args.get("channel"))
    oldest = float(args.get("oldest") or 0)
    messages = [m for m in ws.history.get(channel, []) if float(m["ts"]) > oldest]
    keep_metadata = str(args.get("include_all_metadata")).lower() in ("true", "1")
    answer = []
    for message in reversed(messages):
        copied = copy.deepcopy(message)
        if not keep_metadata:
            copied.pop("metadata", None)
        answer.append(copied)
    return {"messages": answer, "has_more": False, "response_metadata": {"next_cursor": ""}}


@method("chat.unfurl")
def chat_unfurl(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    """Attach unfurls to a message; each shared URL maps to blocks (or an attachment)."""
    unfurls = args.get("unfurls")
    if isinstance(unfurls, str):
        unfurls = json.loads(unfurls)
    if not isinstance(unfurls, dict) or not unfurls:
        raise SlackApiError("invalid_unfurls_format")
    if args.get("unfurl_id") and args.get("source"):
        message = ws.message_by_unfurl_id(str(args["unfurl_id"]))
    else:
        message = ws.find_message(ws.channel_id(args.get("channel")), args.get("ts"))
    message.setdefault("unfurls", {}).update(copy.deepcopy(unfurls))
    return {}


@method("conversations.create")
def conversations_create(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    """Create a channel under Slack's naming rules (lower case, 80 characters, no spaces)."""
    name = str(args.get("name") or "")
    if not name:
        raise SlackApiError("invalid_name_required")
    if len(name) > CHANNEL_NAME_MAX:
        raise SlackApiError("invalid_name_maxlength")
    if not CHANNEL_NAME.fullmatch(name):
        raise SlackApiError("invalid_name_specials")
    if any(c.get("name") == name for c in ws.channels.values()):
        raise SlackApiError("name_taken")
    channel_id = ws.next_id("C")
    private = str(args.get("is_private")).lower() in ("true", "1")
    ws.add_channel(channel_id, name, is_private=private)
    ws.channels[channel_id]["members"] = [BOT_USER_ID]
    return {"channel": copy.deepcopy(ws.channels[channel_id])}


def _open_channel(ws: Workspace, args: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channels.get(str(args.get("channel")))
    if channel is None or channel.get("is_im"):
        raise SlackApiError("channel_not_found")
    if channel.get("is_archived"):
        raise SlackApiError("is_archived")
    return channel


@method("conversations.setTopic")
def conversations_set_topic(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    channel = _open_channel(ws, args)
    topic = str(args.get("topic") or "")
    if len(topic) > TOPIC_MAX:
        raise SlackApiError("too_long")
    channel["topic"] = {"value": topic, "creator": BOT_USER_ID, "last_set": 1_700_000_000}
    return {"channel": copy.deepcopy(channel)}


@method("conversations.invite")
def conversations_invite(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    channel = _open_channel(ws, args)
    users = [u for u in str(args.get("users") or "").split(",") if u]
    if not users:
        raise SlackApiError("no_user")
    if len(users) > INVITE_MAX:
        raise SlackApiError("too_many_users")
    if BOT_USER_ID in users:
        raise SlackApiError("cant_invite_self")
    unknown = [u for u in users if u not in ws.users]
    if unknown:
        raise SlackApiError("user_not_found")
    members = channel.setdefault("members", [BOT_USER_ID])
    new = [u for u in users if u not in members]
    if not new:
        raise SlackApiError("already_in_channel")
    members.extend(new)
    return {"channel": copy.deepcopy(channel)}


@method("conversations.archive")
def conversations_archive(ws: Workspace, args: dict[str, Any], base: str) -> dict[str, Any]:
    channel = ws.channels.get(str(args.get("channel")))
    if channel is None:
        raise SlackApiError("channel_not_found")
    if channel.get("is_archived"):
        raise SlackApiError("already_archived")
    channel["is_archived"] = True
    return {}


def _meta(cursor: str) -> dict[str, str]:
    return {"next_cursor": cursor}


__all__ = ["APP_ID", "METHODS"]
