# 
# THIS FILE HAS BEEN GENERATED AUTOMATICALLY
# DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
# 
# GENERATED USING @colyseus/schema 5.0.34
# 

const Player = preload("Player.gd")

class MyRoomState extends Colyseus.Schema:
	static func definition():
		return [
			Colyseus.Schema.Field.new("frame", Colyseus.Schema.NUMBER),
			Colyseus.Schema.Field.new("players", Colyseus.Schema.MAP, Player),
		]

	func _to_string() -> String:
		return "MyRoomState(__ref_id: %s, frame: %s, players: %s)" % [self.__ref_id, self.frame, self.players]
