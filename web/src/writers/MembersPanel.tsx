/**
 * The room's members and their roles. Writers read and write; editors also change others'
 * notes; admins add, re-role and remove members. The API decides: the controls are offered to
 * everyone and a refusal is shown as it came.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ROLES, writers, writersKeys, type Role, type RoomDetail } from "../api/writers";
import { EmptyState } from "../components/States";

export function MembersPanel({ roomId, room }: { roomId: string; room: RoomDetail }) {
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey: writersKeys.room(roomId) });
  const setRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) => writers.setMember(roomId, userId, role),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (userId: string) => writers.removeMember(roomId, userId), onSuccess: refresh });
  const [userId, setUserId] = useState("");
  const [role, setNewRole] = useState<Role>("writer");
  const add = (event: FormEvent) => {
    event.preventDefault();
    const clean = userId.trim();
    if (clean) setRole.mutate({ userId: clean, role }, { onSuccess: () => setUserId("") });
  };
  const { members } = room;
  const error = setRole.error ?? remove.error;
  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {members.length === 0 ? <EmptyState title="No members listed" /> : (
        <table className="data-table" aria-label="Members">
          <thead><tr><th>User</th><th>Role</th><th /></tr></thead>
          <tbody>
            {members.map((m) => (
              <tr key={m.user_id} data-testid="member">
                <td>{m.user_id}</td>
                <td>
                  <select aria-label={`Role of ${m.user_id}`} value={m.role}
                    onChange={(e) => setRole.mutate({ userId: m.user_id, role: e.target.value as Role })}>
                    {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                  </select>
                </td>
                <td><button type="button" className="btn btn-small btn-danger" onClick={() => remove.mutate(m.user_id)}
                  aria-label={`Remove ${m.user_id}`}>Remove</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p className="error-text" role="alert">{error.message}</p>}
      <form className="inline-add" onSubmit={add} aria-label="Add a member">
        <label>User id <input value={userId} onChange={(e) => setUserId(e.target.value)} maxLength={64} /></label>
        <label>Role
          <select value={role} onChange={(e) => setNewRole(e.target.value as Role)}>
            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <button type="submit" className="btn" disabled={!userId.trim() || setRole.isPending}>Add member</button>
      </form>
    </section>
  );
}
