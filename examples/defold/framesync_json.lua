-- framesync-server JSON protocol client for Defold (framesync.json.v1, contract §9), on
-- Defold's websocket extension (https://github.com/defold/extension-websocket: add it to
-- game.project dependencies) and Defold's built-in json module. NOT run here (no Defold
-- on this machine); it follows the tested Godot 3 client's protocol handling.
--
-- local fs = require "framesync.framesync_json"
-- function init(self)
--   self.client = fs.new("ws://127.0.0.1:2567/json", token, {
--     on_state = function(state) end,          -- after `state` and after every patch
--     on_message = function(name, data) end,   -- playerAction, chat, frameSync, error, ...
--     on_close = function(code) end,
--   })
--   self.client:join("joinOrCreate", "game_room", {})
-- end
-- function update(self, dt) self.client:send("input", { inputs = { move = { x = 1, y = 0 } } }) end  -- at 20 Hz
local M = {}
M.__index = M

local PROTOCOL = "framesync.json.v1"

-- JSON null must stay visible (a merge patch's null removes a key): decode it as json.null.
local function decode(text)
	return json.decode(text, { decode_null_as_userdata = true })
end

-- RFC 7396: null removes, a table merges, anything else replaces.
local function apply_merge(target, patch)
	if type(patch) ~= "table" then return patch end
	local out = {}
	if type(target) == "table" then
		for k, v in pairs(target) do out[k] = v end
	end
	for k, v in pairs(patch) do
		if v == json.null then out[k] = nil else out[k] = apply_merge(out[k], v) end
	end
	return out
end
M.apply_merge = apply_merge

function M.new(url, token, handlers)
	local self = setmetatable({ url = url, token = token, handlers = handlers or {}, seq = -1, state = nil, queue = {}, rid = 0 }, M)
	self:connect()
	return self
end

function M:connect()
	self.open = false
	self.conn = websocket.connect(self.url, { protocol = PROTOCOL }, function(_, conn, data)
		if data.event == websocket.EVENT_CONNECTED then
			self.open = true
			for _, text in ipairs(self.queue) do websocket.send(conn, text, { type = websocket.DATA_TYPE_TEXT }) end
			self.queue = {}
		elseif data.event == websocket.EVENT_MESSAGE then
			self:on_frame(decode(data.message))
		elseif data.event == websocket.EVENT_DISCONNECTED or data.event == websocket.EVENT_ERROR then
			self.open = false
			-- extension-websocket reports the server's close code as data.code (4000 leave, 4100 replaced, 4002 abuse).
			if self.handlers.on_close then self.handlers.on_close(data.code, data.message) end
		end
	end)
end

function M:raw_send(frame)
	local text = json.encode(frame)
	if self.open then websocket.send(self.conn, text, { type = websocket.DATA_TYPE_TEXT })
	else table.insert(self.queue, text) end
end

-- mode: "joinOrCreate" | "create" | "join" | "joinById" (room = roomId) ; options: token is added.
function M:join(mode, room, options)
	options = options or {}
	options.token = self.token
	self.rid = self.rid + 1
	self:raw_send({ type = "join", rid = self.rid, mode = mode, room = room, options = options })
end

-- After a drop: take the seat back with the reconnectKey from frameSync (path 2 of §3).
function M:rejoin()
	self:connect()
	self:join("joinById", self.room_id, { reconnectKey = self.reconnect_key })
end

function M:send(name, data) self:raw_send({ type = "send", name = name, data = data }) end
function M:resync() self:raw_send({ type = "resync" }) end
function M:leave() self:raw_send({ type = "leave" }) end

function M:on_frame(f)
	if type(f) ~= "table" then return end
	local h = self.handlers
	if f.type == "joined" then
		self.room_id, self.session_id, self.reconnection_token = f.roomId, f.sessionId, f.reconnectionToken
		if h.on_joined then h.on_joined(f) end
	elseif f.type == "state" then
		self.state, self.seq, self.frame = f.state, f.seq, f.frame
		if h.on_state then h.on_state(self.state) end
	elseif f.type == "patch" then
		if f.seq ~= self.seq + 1 then self:resync() end
		self.seq, self.frame = f.seq, f.frame
		self.state = apply_merge(self.state, f.merge)
		if h.on_state then h.on_state(self.state) end
		for _, m in ipairs(f.messages) do self:on_message(m.name, m.data) end
	elseif f.type == "message" then
		self:on_message(f.name, f.data)
	elseif f.type == "error" then
		if h.on_error then h.on_error(f.code, f.message) end
	end
end

function M:on_message(name, data)
	if name == "frameSync" then self.reconnect_key = data.reconnectKey end
	if self.handlers.on_message then self.handlers.on_message(name, data) end
end

return M
