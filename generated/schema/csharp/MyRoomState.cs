// 
// THIS FILE HAS BEEN GENERATED AUTOMATICALLY
// DO NOT CHANGE IT MANUALLY UNLESS YOU KNOW WHAT YOU'RE DOING
// 
// GENERATED USING @colyseus/schema 5.0.34
// 

namespace FrameSync.Schema {
	public partial class MyRoomState : global::Colyseus.Schema.Schema {
#if UNITY_5_3_OR_NEWER
		[global::UnityEngine.Scripting.Preserve]
#endif
		public MyRoomState() { }

		[global::Colyseus.Schema.Type(0, "number")]
		public double frame = 0;

		[global::Colyseus.Schema.Type(1, "map", typeof(global::Colyseus.Schema.MapSchema<Player>))]
		public global::Colyseus.Schema.MapSchema<Player> players = new global::Colyseus.Schema.MapSchema<Player>();
	}
}
