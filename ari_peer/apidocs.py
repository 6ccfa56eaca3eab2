"""The peer's own description of the ARI it serves, in Swagger 1.1 form (what asyncari loads).

Written from compact tables: each operation is one line of path, method, nickname, response
class and parameters; each model one line of property names and types. Names, paths and types
follow Asterisk 22's ARI so that a client built against a real Asterisk works unchanged; the
descriptions are ours. Only what the peer implements is declared.

Parameter notation: `name:kind[:type][!][*][=default]` with kind p(ath), q(uery) or b(ody),
type defaulting to string, `!` required, `*` a comma-separated list.
"""

from __future__ import annotations

from typing import Any

API_VERSION = "10.0.0"

# resource -> (description, [(path, method, nickname, response class, parameters)])
Operation = tuple[str, str, str, str, str]

RESOURCES: dict[str, tuple[str, list[Operation]]] = {
    "asterisk": (
        "The PBX itself",
        [
            ("/asterisk/info", "GET", "getInfo", "AsteriskInfo", "only:q*"),
            ("/asterisk/ping", "GET", "ping", "AsteriskPing", ""),
            ("/asterisk/variable", "GET", "getGlobalVar", "Variable", "variable:q!"),
            ("/asterisk/variable", "POST", "setGlobalVar", "void", "variable:q! value:q"),
        ],
    ),
    "endpoints": (
        "Phones and trunks",
        [
            ("/endpoints", "GET", "list", "List[Endpoint]", ""),
            ("/endpoints/{tech}", "GET", "listByTech", "List[Endpoint]", "tech:p"),
            ("/endpoints/{tech}/{resource}", "GET", "get", "Endpoint", "tech:p resource:p"),
        ],
    ),
    "channels": (
        "Calls' legs",
        [
            ("/channels", "GET", "list", "List[Channel]", ""),
            (
                "/channels",
                "POST",
                "originate",
                "Channel",
                "endpoint:q! extension:q context:q priority:q:long label:q app:q appArgs:q "
                "callerId:q timeout:q:int=30 variables:b:containers channelId:q "
                "otherChannelId:q originator:q formats:q",
            ),
            ("/channels/{channelId}", "GET", "get", "Channel", "channelId:p!"),
            (
                "/channels/{channelId}",
                "POST",
                "originateWithId",
                "Channel",
                "channelId:p! endpoint:q! extension:q context:q priority:q:long label:q app:q "
                "appArgs:q callerId:q timeout:q:int=30 variables:b:containers "
                "otherChannelId:q originator:q formats:q",
            ),
            (
                "/channels/{channelId}",
                "DELETE",
                "hangup",
                "void",
                "channelId:p! reason_code:q reason:q",
            ),
            ("/channels/{channelId}/answer", "POST", "answer", "void", "channelId:p!"),
            ("/channels/{channelId}/ring", "POST", "ring", "void", "channelId:p!"),
            ("/channels/{channelId}/ring", "DELETE", "ringStop", "void", "channelId:p!"),
            (
                "/channels/{channelId}/play",
                "POST",
                "play",
                "Playback",
                "channelId:p! media:q!* lang:q offsetms:q:int skipms:q:int=3000 playbackId:q",
            ),
            (
                "/channels/{channelId}/play/{playbackId}",
                "POST",
                "playWithId",
                "Playback",
                "channelId:p! playbackId:p! media:q!* lang:q offsetms:q:int skipms:q:int=3000",
            ),
            (
                "/channels/{channelId}/record",
                "POST",
                "record",
                "LiveRecording",
                "channelId:p! name:q! format:q! maxDurationSeconds:q:int=0 "
                "maxSilenceSeconds:q:int=0 ifExists:q=fail beep:q:boolean=false "
                "terminateOn:q=none",
            ),
            (
                "/channels/{channelId}/variable",
                "GET",
                "getChannelVar",
                "Variable",
                "channelId:p! variable:q!",
            ),
            (
                "/channels/{channelId}/variable",
                "POST",
                "setChannelVar",
                "void",
                "channelId:p! variable:q! value:q report_events:q:boolean=false",
            ),
            (
                "/channels/{channelId}/dtmf",
                "POST",
                "sendDTMF",
                "void",
                "channelId:p! dtmf:q before:q:int=0 between:q:int=100 duration:q:int=100 "
                "after:q:int=0",
            ),
            ("/channels/{channelId}/hold", "POST", "hold", "void", "channelId:p!"),
            ("/channels/{channelId}/hold", "DELETE", "unhold", "void", "channelId:p!"),
            ("/channels/{channelId}/moh", "POST", "startMoh", "void", "channelId:p! mohClass:q"),
            ("/channels/{channelId}/moh", "DELETE", "stopMoh", "void", "channelId:p!"),
            (
                "/channels/{channelId}/redirect",
                "POST",
                "redirect",
                "void",
                "channelId:p! endpoint:q!",
            ),
            (
                "/channels/{channelId}/continue",
                "POST",
                "continueInDialplan",
                "void",
                "channelId:p! context:q extension:q priority:q:int label:q",
            ),
        ],
    ),
    "bridges": (
        "Rooms channels talk in",
        [
            ("/bridges", "GET", "list", "List[Bridge]", ""),
            (
                "/bridges",
                "POST",
                "create",
                "Bridge",
                "type:q bridgeId:q name:q variables:b:containers",
            ),
            (
                "/bridges/{bridgeId}",
                "POST",
                "createWithId",
                "Bridge",
                "type:q bridgeId:p! name:q variables:b:containers",
            ),
            ("/bridges/{bridgeId}", "GET", "get", "Bridge", "bridgeId:p!"),
            ("/bridges/{bridgeId}", "DELETE", "destroy", "void", "bridgeId:p!"),
            (
                "/bridges/{bridgeId}/addChannel",
                "POST",
                "addChannel",
                "void",
                "bridgeId:p! channel:q!* role:q absorbDTMF:q:boolean=false mute:q:boolean=false "
                "inhibitConnectedLineUpdates:q:boolean=false",
            ),
            (
                "/bridges/{bridgeId}/removeChannel",
                "POST",
                "removeChannel",
                "void",
                "bridgeId:p! channel:q!*",
            ),
            ("/bridges/{bridgeId}/moh", "POST", "startMoh", "void", "bridgeId:p! mohClass:q"),
            ("/bridges/{bridgeId}/moh", "DELETE", "stopMoh", "void", "bridgeId:p!"),
            (
                "/bridges/{bridgeId}/play",
                "POST",
                "play",
                "Playback",
                "bridgeId:p! media:q!* announcer_format:q lang:q offsetms:q:int=0 "
                "skipms:q:int=3000 playbackId:q",
            ),
            (
                "/bridges/{bridgeId}/play/{playbackId}",
                "POST",
                "playWithId",
                "Playback",
                "bridgeId:p! playbackId:p! media:q!* announcer_format:q lang:q "
                "offsetms:q:int=0 skipms:q:int=3000",
            ),
            (
                "/bridges/{bridgeId}/record",
                "POST",
                "record",
                "LiveRecording",
                "bridgeId:p! name:q! format:q! recorder_format:q maxDurationSeconds:q:int=0 "
                "maxSilenceSeconds:q:int=0 ifExists:q=fail beep:q:boolean=false "
                "terminateOn:q=none",
            ),
        ],
    ),
    "recordings": (
        "Recordings, live and stored",
        [
            ("/recordings/stored", "GET", "listStored", "List[StoredRecording]", ""),
            (
                "/recordings/stored/{recordingName}",
                "GET",
                "getStored",
                "StoredRecording",
                "recordingName:p!",
            ),
            (
                "/recordings/stored/{recordingName}",
                "DELETE",
                "deleteStored",
                "void",
                "recordingName:p!",
            ),
            (
                "/recordings/stored/{recordingName}/file",
                "GET",
                "getStoredFile",
                "binary",
                "recordingName:p!",
            ),
            (
                "/recordings/live/{recordingName}",
                "GET",
                "getLive",
                "LiveRecording",
                "recordingName:p!",
            ),
            ("/recordings/live/{recordingName}", "DELETE", "cancel", "void", "recordingName:p!"),
            ("/recordings/live/{recordingName}/stop", "POST", "stop", "void", "recordingName:p!"),
        ],
    ),
    "sounds": (
        "Sound files",
        [
            ("/sounds", "GET", "list", "List[Sound]", "lang:q format:q"),
            ("/sounds/{soundId}", "GET", "get", "Sound", "soundId:p!"),
        ],
    ),
    "playbacks": (
        "Media being played",
        [
            ("/playbacks/{playbackId}", "GET", "get", "Playback", "playbackId:p!"),
            ("/playbacks/{playbackId}", "DELETE", "stop", "void", "playbackId:p!"),
            (
                "/playbacks/{playbackId}/control",
                "POST",
                "control",
                "void",
                "playbackId:p! operation:q!",
            ),
        ],
    ),
    "events": (
        "The events WebSocket",
        [
            ("/events", "GET", "eventWebsocket", "Message", "app:q!* subscribeAll:q:boolean"),
        ],
    ),
    "applications": (
        "Stasis applications",
        [
            ("/applications", "GET", "list", "List[Application]", ""),
            ("/applications/{applicationName}", "GET", "get", "Application", "applicationName:p!"),
        ],
    ),
}

# Models: resource -> {model: "prop:type[!] ..."}.
CHANNEL_EVENT = "channel:Channel!"
MODELS: dict[str, dict[str, str]] = {
    "asterisk": {
        "BuildInfo": "os:string! kernel:string! options:string! machine:string! date:string! "
        "user:string!",
        "SystemInfo": "version:string! entity_id:string!",
        "SetId": "user:string! group:string!",
        "ConfigInfo": "name:string! default_language:string! max_channels:int "
        "max_open_files:int max_load:double setid:SetId!",
        "StatusInfo": "startup_time:Date! last_reload_time:Date!",
        "AsteriskInfo": "build:BuildInfo system:SystemInfo config:ConfigInfo status:StatusInfo",
        "AsteriskPing": "asterisk_id:string! ping:string! timestamp:string!",
        "Variable": "value:string!",
    },
    "endpoints": {
        "Endpoint": "technology:string! resource:string! state:string channel_ids:List[string]!",
    },
    "channels": {
        "DialplanCEP": "context:string! exten:string! priority:long! app_name:string! "
        "app_data:string!",
        "CallerID": "name:string! number:string!",
        "Channel": "id:string! protocol_id:string! name:string! state:string! "
        "caller:CallerID! connected:CallerID! accountcode:string! dialplan:DialplanCEP! "
        "creationtime:Date! language:string! channelvars:object caller_rdnis:string "
        "tenantid:string",
    },
    "bridges": {
        "Bridge": "id:string! technology:string! bridge_type:string! bridge_class:string! "
        "creator:string! name:string! channels:List[string]! video_mode:string "
        "video_source_id:string creationtime:Date! bridgevars:object",
    },
    "recordings": {
        "StoredRecording": "name:string! format:string!",
        "LiveRecording": "name:string! format:string! target_uri:string! state:string! "
        "duration:int talking_duration:int silence_duration:int cause:string",
    },
    "sounds": {
        "FormatLangPair": "language:string! format:string!",
        "Sound": "id:string! text:string formats:List[FormatLangPair]!",
    },
    "playbacks": {
        "Playback": "id:string! media_uri:string! next_media_uri:string target_uri:string! "
        "language:string state:string!",
    },
    "applications": {
        "Application": "name:string! channel_ids:List[string]! bridge_ids:List[string]! "
        "endpoint_ids:List[string]! device_names:List[string]! "
        "events_allowed:List[object]! events_disallowed:List[object]!",
    },
}

# Events: name -> own properties (every event also has type, application, timestamp, asterisk_id).
EVENTS: dict[str, str] = {
    "PlaybackStarted": "playback:Playback!",
    "PlaybackContinuing": "playback:Playback!",
    "PlaybackFinished": "playback:Playback!",
    "RecordingStarted": "recording:LiveRecording!",
    "RecordingFinished": "recording:LiveRecording!",
    "RecordingFailed": "recording:LiveRecording!",
    "ApplicationReplaced": "",
    "BridgeCreated": "bridge:Bridge!",
    "BridgeDestroyed": "bridge:Bridge!",
    "BridgeMerged": "bridge:Bridge! bridge_from:Bridge!",
    "ChannelCreated": CHANNEL_EVENT,
    "ChannelDestroyed": "cause:int! cause_txt:string! tech_cause:int " + CHANNEL_EVENT,
    "ChannelEnteredBridge": "bridge:Bridge! channel:Channel",
    "ChannelLeftBridge": "bridge:Bridge! " + CHANNEL_EVENT,
    "ChannelStateChange": CHANNEL_EVENT,
    "ChannelDtmfReceived": "digit:string! duration_ms:int! " + CHANNEL_EVENT,
    "ChannelDialplan": CHANNEL_EVENT + " dialplan_app:string! dialplan_app_data:string!",
    "ChannelCallerId": "caller_presentation:int! caller_presentation_txt:string! " + CHANNEL_EVENT,
    "ChannelHangupRequest": "cause:int tech_cause:int soft:boolean " + CHANNEL_EVENT,
    "ChannelVarset": "variable:string! value:string! channel:Channel",
    "ChannelHold": CHANNEL_EVENT + " musicclass:string",
    "ChannelUnhold": CHANNEL_EVENT,
    "ChannelConnectedLine": CHANNEL_EVENT,
    "Dial": "caller:Channel peer:Channel! forward:string forwarded:Channel dialstring:string "
    "dialstatus:string!",
    "StasisStart": "args:List[string]! " + CHANNEL_EVENT + " replace_channel:Channel",
    "StasisEnd": CHANNEL_EVENT,
}


def _properties(spec: str) -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = {}
    for item in spec.split():
        name, typ = item.split(":", 1)
        required = typ.endswith("!")
        props[name] = {"type": typ.rstrip("!"), "required": required}
    return props


def _parameter(spec: str) -> dict[str, Any]:
    head, _, default = spec.partition("=")
    flags = head
    multiple = flags.endswith("*")
    flags = flags.rstrip("*")
    required = flags.endswith("!")
    flags = flags.rstrip("!")
    parts = flags.split(":")
    name, kind = parts[0], parts[1]
    data_type = parts[2] if len(parts) > 2 else "string"
    param: dict[str, Any] = {
        "name": name,
        "paramType": {"p": "path", "q": "query", "b": "body"}[kind],
        "required": required or kind == "p",
        "allowMultiple": multiple,
        "dataType": data_type,
    }
    if default:
        param["defaultValue"] = _typed_default(default, data_type)
    return param


def _typed_default(value: str, data_type: str) -> Any:
    if data_type in ("int", "long"):
        return int(value)
    if data_type == "boolean":
        return value == "true"
    return value


def parameters(resource: str, nickname: str) -> list[dict[str, Any]]:
    """The parameters of one operation (the REST layer reads defaults from here too)."""
    for _path, _method, nick, _response, params in RESOURCES[resource][1]:
        if nick == nickname:
            return [_parameter(p) for p in params.split()]
    raise KeyError(f"{resource}.{nickname}")


def listing(base_path: str) -> dict[str, Any]:
    """resources.json: the list of resource declarations."""
    return {
        "apiVersion": API_VERSION,
        "swaggerVersion": "1.1",
        "basePath": base_path,
        "apis": [
            {"path": f"/api-docs/{name}.{{format}}", "description": description}
            for name, (description, _ops) in RESOURCES.items()
        ],
    }


def declaration(resource: str, base_path: str) -> dict[str, Any] | None:
    """One resource's declaration ({resource}.json), or None when there is no such resource."""
    if resource not in RESOURCES:
        return None
    _description, ops = RESOURCES[resource]
    apis: dict[str, list[dict[str, Any]]] = {}
    for path, method, nickname, response, params in ops:
        operation: dict[str, Any] = {
            "httpMethod": method,
            "nickname": nickname,
            "responseClass": response,
            "parameters": [_parameter(p) for p in params.split()],
        }
        if resource == "events" and nickname == "eventWebsocket":
            operation["upgrade"] = "websocket"
            operation["websocketProtocol"] = "ari"
        apis.setdefault(path, []).append(operation)
    models = {
        name: {"id": name, "properties": _properties(spec)}
        for name, spec in MODELS.get(resource, {}).items()
    }
    if resource == "events":
        models.update(_event_models())
    return {
        "apiVersion": API_VERSION,
        "swaggerVersion": "1.1",
        "basePath": base_path,
        "resourcePath": f"/api-docs/{resource}.{{format}}",
        "apis": [{"path": path, "operations": operations} for path, operations in apis.items()],
        "models": models,
    }


def _event_models() -> dict[str, dict[str, Any]]:
    models: dict[str, dict[str, Any]] = {
        "Message": {
            "id": "Message",
            "discriminator": "type",
            "subTypes": ["MissingParams", "Event"],
            "properties": _properties("type:string! asterisk_id:string"),
        },
        "MissingParams": {
            "id": "MissingParams",
            "extends": "Message",
            "properties": _properties("params:List[string]!"),
        },
        "Event": {
            "id": "Event",
            "extends": "Message",
            "subTypes": list(EVENTS),
            "properties": _properties("application:string! timestamp:Date!"),
        },
    }
    for name, spec in EVENTS.items():
        models[name] = {"id": name, "extends": "Event", "properties": _properties(spec)}
    return models
