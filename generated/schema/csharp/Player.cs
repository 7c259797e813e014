// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

namespace FrameSync.Schema {
	public partial class Player : global::Colyseus.Schema.Schema {
#if UNITY_5_3_OR_NEWER
		[global::UnityEngine.Scripting.Preserve]
#endif
		public Player() { }

		[global::Colyseus.Schema.Type(0, "string")]
		public string sessionId = default(string);

		[global::Colyseus.Schema.Type(1, "string")]
		public string userId = default(string);

		[global::Colyseus.Schema.Type(2, "int16")]
		public short seatIndex = -1;

		[global::Colyseus.Schema.Type(3, "boolean")]
		public bool online = true;

		[global::Colyseus.Schema.Type(4, "float64")]
		public double x = 0;

		[global::Colyseus.Schema.Type(5, "float64")]
		public double y = 0;

		[global::Colyseus.Schema.Type(6, "boolean")]
		public bool attacking = false;
	}
}
