# 
# THIS FILE HAS BEEN GENERATED AUTOMATICALLY
# DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
# 
# GENERATED USING @colyseus/schema 5.0.34
# 

class Player extends Colyseus.Schema:
	static func definition():
		return [
			Colyseus.Schema.Field.new("sessionId", Colyseus.Schema.STRING),
			Colyseus.Schema.Field.new("userId", Colyseus.Schema.STRING),
			Colyseus.Schema.Field.new("seatIndex", Colyseus.Schema.INT16),
			Colyseus.Schema.Field.new("online", Colyseus.Schema.BOOLEAN),
			Colyseus.Schema.Field.new("x", Colyseus.Schema.FLOAT64),
			Colyseus.Schema.Field.new("y", Colyseus.Schema.FLOAT64),
			Colyseus.Schema.Field.new("attacking", Colyseus.Schema.BOOLEAN),
		]

	func _to_string() -> String:
		return "Player(__ref_id: %s, sessionId: %s, userId: %s, seatIndex: %s, online: %s, x: %s, y: %s, attacking: %s)" % [self.__ref_id, self.sessionId, self.userId, self.seatIndex, self.online, self.x, self.y, self.attacking]
