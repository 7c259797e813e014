-- 
-- THIS FILE HAS BEEN GENERATED AUTOMATICALLY
-- DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
-- 
-- GENERATED USING @colyseus/schema 5.0.34
-- 

local schema = require 'colyseus.serializer.schema.schema'


---@class Player: Schema
---@field sessionId string
---@field userId string
---@field seatIndex number
---@field online boolean
---@field x number
---@field y number
---@field attacking boolean
local Player = schema.define({
    ["sessionId"] = "string",
    ["userId"] = "string",
    ["seatIndex"] = "int16",
    ["online"] = "boolean",
    ["x"] = "float64",
    ["y"] = "float64",
    ["attacking"] = "boolean",
    ["_fields_by_index"] = { "sessionId", "userId", "seatIndex", "online", "x", "y", "attacking" },
})

return Player
