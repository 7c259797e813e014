-- 
-- THIS FILE HAS BEEN GENERATED AUTOMATICALLY
-- DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
-- 
-- GENERATED USING @colyseus/schema 5.0.34
-- 

local schema = require 'colyseus.serializer.schema.schema'
local Player = require 'Player'

---@class MyRoomState: Schema
---@field frame number
---@field players MapSchema
local MyRoomState = schema.define({
    ["frame"] = "number",
    ["players"] = { map = Player },
    ["_fields_by_index"] = { "frame", "players" },
})

return MyRoomState
